"""The previews part's event (docs/api.md, "Previews and watermarks"): its payload and
exactly who receives it."""

from __future__ import annotations

from typing import Any

from documents.models import Document, DocumentShare, Preview
from messaging.models import Membership
from portal.accounts.models import User


def preview_event(preview: Preview, *, document_id: Any) -> dict[str, Any]:
    """``document_preview.change``: the preview of a version became ready or failed."""
    return {
        "type": "document_preview",
        "op": "change",
        "document_id": str(document_id),
        "version_id": str(preview.version_id),
        "status": preview.status,
    }


def document_audience(document: Document) -> set[str]:
    """Everyone holding a role on ``document`` (documents/selectors.py): its folder's
    owner, the members of the department or conversation owning the folder, its creator,
    and every grantee of a share — users, their department's active members, and the
    current members of a shared conversation."""
    folder = document.folder
    users = {folder.owner_user_id, document.created_by_id}
    departments = {folder.owner_department_id}
    conversations = {folder.owner_conversation_id}
    for user_id, department_id, conversation_id in DocumentShare.objects.filter(
        document=document
    ).values_list("user_id", "department_id", "conversation_id"):
        users.add(user_id)
        departments.add(department_id)
        conversations.add(conversation_id)
    departments.discard(None)
    conversations.discard(None)
    if departments:
        users.update(
            User.objects.filter(department__in=departments, is_active=True).values_list(
                "pk", flat=True
            )
        )
    if conversations:
        users.update(
            Membership.objects.filter(
                conversation__in=conversations, left_at__isnull=True
            ).values_list("user_id", flat=True)
        )
    users.discard(None)
    return {str(user_id) for user_id in users}
