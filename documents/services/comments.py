"""Comments on a document and on its versions (docs/documents.md, "Comments")."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from documents.events.files import user_ref
from documents.exceptions import CommentNotFound, RoleRequired, VersionNotFound
from documents.models import Comment, Document, Role, Version
from documents.selectors import access_document, has_role
from portal import clock
from portal.accounts.models import User
from portal.audit.services import record
from portal.ids import as_uuid


def comment_payload(comment: Comment) -> dict[str, Any]:
    return {
        "id": str(comment.pk),
        "document_id": str(comment.document_id),
        "version_id": str(comment.version_id) if comment.version_id else None,
        "author": user_ref(comment.author),
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
    }


def comment_add(*, actor: User, document_id: Any, body: str, version_id: Any = None) -> Comment:
    """A comment by the actor (commenters and up: ``RoleRequired`` for viewers) on the
    document, or on one of its versions (``VersionNotFound`` for a version of another
    document). The body is kept as written, trimmed."""
    with transaction.atomic():
        document, _ = access_document(actor, document_id, role=Role.COMMENTER)
        version = None
        if version_id is not None:
            pk = as_uuid(version_id)
            version = Version.objects.filter(pk=pk, document=document).first() if pk else None
            if version is None:
                raise VersionNotFound()
        return Comment.objects.create(
            document=document, version=version, author=actor, body=body.strip(),
            created_at=clock.now(),
        )  # fmt: skip


def comments_of(document: Document) -> Any:
    """The document's comments, newest first, with their authors (a queryset to page)."""
    return Comment.objects.filter(document=document).select_related("author")


def comment_delete(*, actor: User, document_id: Any, comment_id: Any) -> None:
    """Delete a comment: its author (while they still see the document) or an owner of
    the document. Audited (``document.comment_deleted``) when an owner deletes another's."""
    with transaction.atomic():
        document, role = access_document(actor, document_id)
        pk = as_uuid(comment_id)
        comment = (
            Comment.objects.select_for_update().filter(pk=pk, document=document).first()
            if pk
            else None
        )
        if comment is None:
            raise CommentNotFound()
        if comment.author_id != actor.pk:
            if not has_role(role, Role.OWNER):
                raise RoleRequired()
            record(
                "document.comment_deleted", actor=actor, target=document,
                target_repr=document.name,
                details={"comment_id": str(comment.pk), "author_id": str(comment.author_id)},
            )  # fmt: skip
        comment.delete()
