"""Sharing a document with users, departments and conversations (docs/documents.md,
"Sharing").

Only an owner shares, changes a share's role and revokes. A user or a department must be
of the document's agency; a conversation only one the sharer is a current member of, and
sharing there posts a card (a ``document_shared`` system message) into its chat. Every
access check reads the share rows, so a revoke takes effect at once: open download links
fail their check on the next use, and ``access_changed`` (after commit) lets co-editing
close the sockets of those who lost access.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from documents.events.files import document_audience, share_event
from documents.exceptions import InvalidGrantee, ShareNotFound
from documents.models import Document, DocumentShare, Role
from documents.selectors import access_document
from documents.signals import access_changed
from messaging.selectors import access_conversation
from messaging.services.common import system_message
from portal import clock
from portal.accounts.models import Department, User
from portal.audit.services import record
from portal.ids import as_uuid
from portal.realtime import publish

GRANTEE_KINDS = ("user", "department", "conversation")


def _access_changed_after_commit(document: Document) -> None:
    pk = document.pk
    transaction.on_commit(lambda: access_changed.send(sender=Document, document_id=pk))


def _grantee(actor: User, document: Document, kind: str, grantee_id: Any) -> dict[str, Any]:
    """The share's grantee column, checked: ``InvalidGrantee`` for a user or department
    outside the document's agency (or unknown, or a deactivated user); for a
    conversation, ``ConversationNotFound`` unless the actor is a current member."""
    pk = as_uuid(grantee_id)
    if pk is None or kind not in GRANTEE_KINDS:
        raise InvalidGrantee(grantee={"kind": kind, "id": str(grantee_id)})
    if kind == "user":
        user = User.objects.filter(
            pk=pk, agency_id=document.agency_id, is_active=True, is_bot=False
        ).first()
        if user is None:
            raise InvalidGrantee(grantee={"kind": kind, "id": str(grantee_id)})
        return {"user": user}
    if kind == "department":
        department = Department.objects.filter(pk=pk, agency_id=document.agency_id).first()
        if department is None:
            raise InvalidGrantee(grantee={"kind": kind, "id": str(grantee_id)})
        return {"department": department}
    conversation, _membership = access_conversation(actor, pk, for_update=True)
    return {"conversation": conversation}


def _card(document: Document) -> dict[str, Any]:
    current = document.current_version
    return {
        "event": "document_shared",
        "document_id": str(document.pk),
        "name": document.name,
        "kind": document.kind,
        "version": current.number if current is not None else None,
        "status": document.status,
    }


def share_add(
    *, actor: User, document_id: Any, grantee_kind: str, grantee_id: Any, role: str
) -> tuple[DocumentShare, bool]:
    """Give ``role`` on the document to a user, a department or a conversation (owners
    only: ``RoleRequired`` otherwise). A grantee who already has a share gets the new role
    (returns ``created=False``). Audited (``document.shared``); ``document_share.add``
    (or ``update``) goes to everyone who sees the document now, the grantees included;
    a conversation also gets a ``document_shared`` card in its chat."""
    if role not in Role.values:
        raise InvalidGrantee(role=role)
    with transaction.atomic():
        document, _ = access_document(actor, document_id, role=Role.OWNER, for_update=True)
        grantee = _grantee(actor, document, grantee_kind, grantee_id)
        share = DocumentShare.objects.filter(document=document, **grantee).first()
        created = share is None
        if share is None:
            share = DocumentShare.objects.create(
                document=document, role=role, created_by=actor, created_at=clock.now(),
                **grantee,
            )  # fmt: skip
        elif share.role != role:
            share.role = role
            share.save(update_fields=["role"])
        record(
            "document.shared", actor=actor, target=document, target_repr=document.name,
            details={"share_id": str(share.pk), "grantee": grantee_kind,
                     "grantee_id": str(grantee_id), "role": role, "created": created},
        )  # fmt: skip
        event, users = share_event(
            "add" if created else "update", share, audience=document_audience(document)
        )
        publish(event, user_ids=users)
        if created and grantee_kind == "conversation":
            system_message(grantee["conversation"], actor, _card(document))
        _access_changed_after_commit(document)
    return share, created


def access_share(actor: User, document_id: Any, share_id: Any) -> tuple[Document, DocumentShare]:
    """A share of a document the actor owns (the row locked; inside a transaction)."""
    document, _ = access_document(actor, document_id, role=Role.OWNER, for_update=True)
    pk = as_uuid(share_id)
    share = (
        DocumentShare.objects.select_for_update(of=("self",))
        .filter(pk=pk, document=document)
        .select_related("user", "department", "conversation")
        .first()
        if pk is not None
        else None
    )
    if share is None:
        raise ShareNotFound()
    return document, share


def share_update(*, actor: User, document_id: Any, share_id: Any, role: str) -> DocumentShare:
    """Change a share's role (owners). Audited (``document.share_changed``);
    ``document_share.update`` to the document's audience; ``access_changed`` after commit."""
    with transaction.atomic():
        document, share = access_share(actor, document_id, share_id)
        before = document_audience(document)
        previous, share.role = share.role, role
        share.save(update_fields=["role"])
        record(
            "document.share_changed", actor=actor, target=document, target_repr=document.name,
            details={"share_id": str(share.pk), "role": role, "previous": previous},
        )  # fmt: skip
        event, users = share_event("update", share, audience=before | document_audience(document))
        publish(event, user_ids=users)
        _access_changed_after_commit(document)
    return share


def share_revoke(*, actor: User, document_id: Any, share_id: Any) -> None:
    """Revoke a share (owners): from this commit on, nobody holds a role through it (links
    made through it fail their next use). Audited (``document.share_revoked``);
    ``document_share.remove`` to the audience before the revoke (so the grantees hear of
    it); ``access_changed`` after commit."""
    with transaction.atomic():
        document, share = access_share(actor, document_id, share_id)
        before = document_audience(document)
        event, _users = share_event("remove", share, audience=before)
        record(
            "document.share_revoked", actor=actor, target=document, target_repr=document.name,
            details={"share_id": str(share.pk), "role": share.role},
        )  # fmt: skip
        share.delete()
        publish(event, user_ids=before)
        _access_changed_after_commit(document)


def shares_of(document: Document) -> QuerySet[DocumentShare]:
    """The document's shares with their grantees (a queryset to page)."""
    return DocumentShare.objects.filter(document=document).select_related(
        "user", "department", "conversation"
    )
