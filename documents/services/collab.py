"""Co-editing's writes: edit tickets, named versions, restore, export (docs/collab.md).

Each takes the document through ``access_document`` ("not found" for anyone without a
role) and refuses a document that is not rich text (``DocumentKindMismatch``). Viewers may read
history and named versions; taking a named version, restoring one and exporting need the
editor role. The content is always read from storage (snapshot object plus update log),
never from a room in memory, so it is the same whichever process answers.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from documents.collab import access, content, relay, store
from documents.exceptions import DocumentKindMismatch, SnapshotNotFound
from documents.export import FORMATS, render
from documents.models import Document, NamedSnapshot, Role, Version
from documents.selectors import access_document
from portal import clock
from portal.accounts.models import AuthSession, User
from portal.audit.services import RequestContext, record
from portal.storage import get_storage


def _rich_text(actor: User, document_id: Any, *, role: str, for_update: bool = False) -> Document:
    document, _role = access_document(actor, document_id, role=role, for_update=for_update)
    if document.kind != Document.Kind.RICH_TEXT:
        raise DocumentKindMismatch()
    return document


@dataclass(frozen=True)
class EditTicket:
    ticket: str
    expires_at: dt.datetime
    url: str
    role: str


def edit_ticket_issue(*, actor: User, session: AuthSession, document_id: Any) -> EditTicket:
    """A single-use ticket, valid EDIT_TICKET_TTL seconds, for one editing socket of the
    document by ``actor`` through ``session`` (docs/collab.md, "Signing in"); ``url`` is the
    socket's path with the ticket. Any role may have one (viewers watch); ``role`` says
    what the socket will let them do."""
    document, role = access_document(actor, document_id)
    if document.kind != Document.Kind.RICH_TEXT:
        raise DocumentKindMismatch()
    ticket, expires_at = access.ticket_make(session=session, document=document)
    return EditTicket(ticket, expires_at, f"/ws/documents/{document.pk}/?ticket={ticket}", role)


def _put(key: str, data: bytes) -> None:
    get_storage().put(
        key, io.BytesIO(data), length=len(data), content_type="application/octet-stream"
    )


def snapshot_create(
    *, actor: User, document_id: Any, name: str, context: RequestContext | None = None
) -> NamedSnapshot:
    """A named version of the document's content now (editors). The state is written to
    ``documents/<id>/ydoc/named/<snapshot id>`` before the row commits; if the row does
    not, the object is deleted. Audited as ``document.snapshot_created``."""
    document = _rich_text(actor, document_id, role=Role.EDITOR)
    state = store.load(document.pk).update
    snapshot = NamedSnapshot(document=document, name=name, author=actor, created_at=clock.now())
    snapshot.key = f"documents/{document.pk}/ydoc/named/{snapshot.pk}"
    snapshot.size = len(state)
    _put(snapshot.key, state)
    try:
        with transaction.atomic():
            snapshot.save(force_insert=True)
            record(
                "document.snapshot_created", actor=actor, context=context, target=document,
                details={"snapshot_id": str(snapshot.pk), "name": name},
            )  # fmt: skip
    except BaseException:
        get_storage().delete(snapshot.key)
        raise
    return snapshot


def snapshot_restore(
    *, actor: User, document_id: Any, snapshot_id: Any, context: RequestContext | None = None
) -> NamedSnapshot:
    """Make the document's content that of a named version (editors): one new update,
    appended to the log by ``actor`` and relayed to every open room after commit, so
    editors see it live and history records it. Edits made concurrently elsewhere merge
    with it as any two edits do. Audited as ``document.snapshot_restored``."""
    with transaction.atomic():
        document = _rich_text(actor, document_id, role=Role.EDITOR, for_update=True)
        snapshot = NamedSnapshot.objects.filter(document=document, pk=snapshot_id).first()
        if snapshot is None:
            raise SnapshotNotFound()
        with get_storage().get(snapshot.key) as reader:
            target = b"".join(reader)
        update = content.replacement_update(store.load(document.pk).update, target)
        seq = store.append(document.pk, author_id=actor.pk, data=update)
        record(
            "document.snapshot_restored", actor=actor, context=context, target=document,
            details={"snapshot_id": str(snapshot.pk), "seq": seq},
        )  # fmt: skip
        relay.send_after_commit(
            document.pk, {"type": relay.UPDATE, "origin": "restore", "updates": [[seq, update]]}
        )
    return snapshot


def document_export(
    *, actor: User, document_id: Any, format: str, context: RequestContext | None = None
) -> Version:
    """The document's current text as a new file version (editors): ``md``, ``docx`` or
    ``pdf``, named after the document, written through ``version_add`` (which numbers it,
    audits it and announces it) with source ``export``."""
    from documents.services.versions import version_add

    document = _rich_text(actor, document_id, role=Role.EDITOR)
    nodes = content.read(store.load(document.pk).update)
    data = render(nodes, format=format, title=document.name)
    _content_type, extension = FORMATS[format]
    with transaction.atomic():
        document = _rich_text(actor, document_id, role=Role.EDITOR, for_update=True)
        return version_add(
            actor=actor, document=document, stream=io.BytesIO(data),
            filename=f"{document.name}{extension}", source=Version.Source.EXPORT,
            length=len(data),
        )  # fmt: skip
