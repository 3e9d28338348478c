"""Documents: made by an upload (a file) or empty (a rich-text document), renamed, moved,
put in the bin; new versions uploaded (docs/documents.md, "Documents").

Every new version goes through ``documents.services.versions.version_add``.
"""

from __future__ import annotations

import uuid
from typing import IO, Any

from django.db import transaction

from documents.events.files import document_audience, document_event
from documents.exceptions import DocumentKindMismatch, RoleRequired
from documents.models import Document, Folder, Role, Version
from documents.selectors import access_document, access_folder, document_role, has_role
from documents.services.folders import folder_for_move, folder_keep, folder_name
from documents.services.versions import (
    check_declared_size,
    check_file_name,
    document_filename,
    version_add,
)
from documents.signals import access_changed
from portal import clock
from portal.accounts.models import User
from portal.audit.services import record
from portal.realtime import publish


def _editable_folder(actor: User, folder_id: Any) -> Folder:
    """A folder the actor may add documents to, held until their transaction ends."""
    folder, role = access_folder(actor, folder_id)
    if not has_role(role, Role.EDITOR):
        raise RoleRequired()
    folder_keep(folder)
    return folder


def _new_document(actor: User, folder: Folder, *, name: str, kind: str) -> Document:
    now = clock.now()
    return Document.objects.create(
        id=uuid.uuid4(), agency_id=folder.agency_id, folder=folder, kind=kind, name=name,
        created_by=actor, created_at=now, updated_at=now,
    )  # fmt: skip


def document_upload(
    *,
    actor: User,
    folder_id: Any,
    stream: IO[bytes],
    filename: str,
    name: str = "",
    length: int | None = None,
) -> Document:
    """A new file document in the folder (editors of it), its first version the bytes of
    ``stream`` (``version_add``: type from the bytes, executables refused, at most
    DOCUMENT_MAX_BYTES). ``name`` defaults to the file name. Audited as
    ``document.created``; ``document.add`` goes to its audience. Nothing remains if any
    step fails."""
    filename = document_filename(filename)
    check_file_name(filename)
    check_declared_size(length)
    title = folder_name(name) if name.strip() else filename
    with transaction.atomic():
        folder = _editable_folder(actor, folder_id)
        document = _new_document(actor, folder, name=title, kind=Document.Kind.FILE)
        record("document.created", actor=actor, target=document, target_repr=title)
        # ``document.add`` first, then ``document_version.add`` and ``document.update``
        # with the version (from version_add), in that order on every stream.
        event, users = document_event("add", document)
        publish(event, user_ids=users)
        version_add(actor=actor, document=document, stream=stream, filename=filename, length=length)
    return document


def document_create_rich_text(*, actor: User, folder_id: Any, name: str) -> Document:
    """A new, empty rich-text document in the folder (editors of it); co-editing makes
    its content and its exports make its versions."""
    title = folder_name(name)
    with transaction.atomic():
        folder = _editable_folder(actor, folder_id)
        document = _new_document(actor, folder, name=title, kind=Document.Kind.RICH_TEXT)
        record("document.created", actor=actor, target=document, target_repr=title)
        event, users = document_event("add", document)
        publish(event, user_ids=users)
    return document


def document_update(
    *, actor: User, document_id: Any, name: str | None = None, folder_id: Any = None
) -> tuple[Document, str]:
    """Rename (editors) and/or move the document to another folder (owners; they must be
    editors of the target folder too). A move changes who sees it: ``access_changed`` is
    sent after commit, ``document.remove`` goes to those who no longer see it and
    ``document.update`` to those who do. Returns the document and the actor's role."""
    with transaction.atomic():
        document, role = access_document(actor, document_id, role=Role.EDITOR, for_update=True)
        before = document_audience(document)
        changes: dict[str, Any] = {}
        if name is not None:
            document.name = folder_name(name)
            changes["name"] = document.name
        moved = folder_id is not None and str(folder_id) != str(document.folder_id)
        if moved:
            if not has_role(role, Role.OWNER):
                raise RoleRequired()
            target = folder_for_move(actor, folder_id)
            changes["folder_id"] = str(target.pk)
            changes["from_folder_id"] = str(document.folder_id)
            document.folder = target
        if not changes:
            return document, role
        document.updated_at = clock.now()
        document.save(update_fields=["name", "folder", "updated_at"])
        record(
            "document.moved" if moved else "document.renamed",
            actor=actor, target=document, target_repr=document.name, details=changes,
        )  # fmt: skip
        event, after = document_event("update", document)
        publish(event, user_ids=after)
        gone = before - after
        if gone:
            removed, _ = document_event("remove", document)
            publish(removed, user_ids=gone)
        if moved:
            pk = document.pk
            transaction.on_commit(lambda: access_changed.send(sender=Document, document_id=pk))
        # The actor's role may have changed with the folder.
        role = document_role(actor, document) or role
    return document, role


def document_delete(*, actor: User, document_id: Any) -> None:
    """Put the document in the bin (owners): it disappears for everyone at once (every
    access check skips the bin), links die, ``document.remove`` goes to its audience and
    ``access_changed`` is sent after commit. Audited as ``document.deleted``."""
    with transaction.atomic():
        document, _role = access_document(actor, document_id, role=Role.OWNER, for_update=True)
        audience = document_audience(document)
        document.deleted_at = clock.now()
        document.save(update_fields=["deleted_at"])
        record("document.deleted", actor=actor, target=document, target_repr=document.name)
        event, _users = document_event("remove", document)
        publish(event, user_ids=audience)
        pk = document.pk
        transaction.on_commit(lambda: access_changed.send(sender=Document, document_id=pk))


def version_upload(
    *,
    actor: User,
    document_id: Any,
    stream: IO[bytes],
    filename: str,
    base_version_id: Any = None,
    length: int | None = None,
) -> Version:
    """A new version of a file document (editors): ``version_add`` under the document's
    lock, so of two uploads naming the same ``base_version_id`` one gets
    ``VersionConflict`` (412) with nothing stored. ``DocumentKindMismatch`` for a
    rich-text document (its versions are exports)."""
    check_declared_size(length)
    with transaction.atomic():
        document, _ = access_document(actor, document_id, role=Role.EDITOR, for_update=True)
        if document.kind != Document.Kind.FILE:
            raise DocumentKindMismatch()
        return version_add(
            actor=actor, document=document, stream=stream, filename=filename,
            base_version_id=base_version_id, length=length,
        )  # fmt: skip
