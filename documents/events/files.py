"""Events of folders, documents, versions and shares: payloads and exactly who gets them.

Every event goes to the document's audience (``document_audience``): everyone who holds a
role on it at the moment the event is built. Payloads carry no per-viewer fields (no
``role``, no links); clients read those over REST.
"""

from __future__ import annotations

from typing import Any

from documents.models import Document, DocumentShare, Folder, Version
from messaging.models import Membership
from portal.accounts.models import User


def user_ref(user: User | None) -> dict[str, Any] | None:
    """``{"id", "name"}`` of a person, or None (an account deleted since)."""
    if user is None:
        return None
    return {"id": str(user.pk), "name": str(user)}


def folder_owner(folder: Folder) -> dict[str, Any]:
    """``{"kind", "id", "name"}`` of whoever owns the folder."""
    if folder.owner_user_id is not None:
        assert folder.owner_user is not None
        return {"kind": "user", "id": str(folder.owner_user_id), "name": str(folder.owner_user)}
    if folder.owner_department_id is not None:
        assert folder.owner_department is not None
        return {
            "kind": "department",
            "id": str(folder.owner_department_id),
            "name": folder.owner_department.name,
        }
    assert folder.owner_conversation is not None
    return {
        "kind": "conversation",
        "id": str(folder.owner_conversation_id),
        "name": str(folder.owner_conversation),
    }


def folder_path(folder: Folder) -> list[dict[str, str]]:
    """The folders from the root down to ``folder`` itself, ``[{"id", "name"}…]``; the
    depth is bounded by the services (MAX_FOLDER_DEPTH), one query per level."""
    path = []
    node: Folder | None = folder
    while node is not None:
        path.append({"id": str(node.pk), "name": node.name})
        node = node.parent
    return path[::-1]


def folder_payload(
    folder: Folder, *, role: str, parent_path: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """A folder as the REST API answers it; ``parent_path`` (its parent's ``path``, when
    the caller has it: a folder's contents) saves reading the ancestors again."""
    path = (
        [*parent_path, {"id": str(folder.pk), "name": folder.name}]
        if parent_path is not None
        else folder_path(folder)
    )
    return {
        "id": str(folder.pk),
        "name": folder.name,
        "parent_id": str(folder.parent_id) if folder.parent_id else None,
        "owner": folder_owner(folder),
        "role": role,
        "path": path,
        "created_at": folder.created_at.isoformat(),
    }


def version_payload(version: Version) -> dict[str, Any]:
    return {
        "id": str(version.pk),
        "number": version.number,
        "size": version.size,
        "sha256": version.sha256,
        "content_type": version.content_type,
        "filename": version.filename,
        "source": version.source,
        "restored_from_id": str(version.restored_from_id) if version.restored_from_id else None,
        "author": user_ref(version.author),
        "created_at": version.created_at.isoformat(),
    }


def document_fields(document: Document) -> dict[str, Any]:
    """A document as everyone who sees it sees it (no ``role``)."""
    current = document.current_version
    return {
        "id": str(document.pk),
        "name": document.name,
        "kind": document.kind,
        "folder_id": str(document.folder_id),
        "status": document.status,
        "registration_number": document.registration_number,
        "current_version": version_payload(current) if current is not None else None,
        "created_by": user_ref(document.created_by),
        "created_at": document.created_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
    }


def document_payload(document: Document, *, role: str) -> dict[str, Any]:
    """A document as the REST API answers it to a viewer holding ``role``."""
    return {**document_fields(document), "role": role}


def share_payload(share: DocumentShare) -> dict[str, Any]:
    if share.user_id is not None:
        assert share.user is not None
        grantee = {"kind": "user", "id": str(share.user_id), "name": str(share.user)}
    elif share.department_id is not None:
        assert share.department is not None
        grantee = {
            "kind": "department",
            "id": str(share.department_id),
            "name": share.department.name,
        }
    else:
        assert share.conversation is not None
        grantee = {
            "kind": "conversation",
            "id": str(share.conversation_id),
            "name": str(share.conversation),
        }
    return {
        "id": str(share.pk),
        "grantee": grantee,
        "role": share.role,
        "created_at": share.created_at.isoformat(),
    }


# --- Recipients --------------------------------------------------------------------------------


def _department_members(department_ids: list[Any]) -> set[str]:
    if not department_ids:
        return set()
    return {
        str(pk)
        for pk in User.objects.filter(department__in=department_ids, is_active=True).values_list(
            "pk", flat=True
        )
    }


def _conversation_members(conversation_ids: list[Any]) -> set[str]:
    if not conversation_ids:
        return set()
    return {
        str(pk)
        for pk in Membership.objects.filter(
            conversation__in=conversation_ids, left_at__isnull=True
        ).values_list("user_id", flat=True)
    }


def folder_audience(folder: Folder) -> set[str]:
    """Ids of everyone the folder's ownership gives a role: its user, its department's
    members, its conversation's current members."""
    if folder.owner_user_id is not None:
        return {str(folder.owner_user_id)}
    if folder.owner_department_id is not None:
        return _department_members([folder.owner_department_id])
    return _conversation_members([folder.owner_conversation_id])


def document_audience(document: Document) -> set[str]:
    """Ids of everyone who holds a role on the document now (documents.selectors): its
    folder's audience, its creator and its grantees (users, departments' members,
    conversations' current members)."""
    ids = folder_audience(document.folder)
    if document.created_by_id is not None:
        ids.add(str(document.created_by_id))
    shares = list(
        DocumentShare.objects.filter(document=document).values_list(
            "user_id", "department_id", "conversation_id"
        )
    )
    ids |= {str(user) for user, _, _ in shares if user is not None}
    ids |= _department_members([d for _, d, _ in shares if d is not None])
    ids |= _conversation_members([c for _, _, c in shares if c is not None])
    return ids


def share_audience(share: DocumentShare) -> set[str]:
    """Ids of everyone one share reaches."""
    if share.user_id is not None:
        return {str(share.user_id)}
    if share.department_id is not None:
        return _department_members([share.department_id])
    return _conversation_members([share.conversation_id])


# --- Events ------------------------------------------------------------------------------------


def document_event(op: str, document: Document) -> tuple[dict[str, Any], set[str]]:
    """``document.add`` / ``document.update`` with the document; ``document.remove`` with
    its id and folder; each to the document's audience."""
    event: dict[str, Any]
    if op == "remove":
        event = {
            "type": "document",
            "op": op,
            "document_id": str(document.pk),
            "folder_id": str(document.folder_id),
        }
    else:
        event = {"type": "document", "op": op, "document": document_fields(document)}
    return event, document_audience(document)


def version_event(version: Version) -> tuple[dict[str, Any], set[str]]:
    """``document_version.add`` to the document's audience."""
    event = {
        "type": "document_version",
        "op": "add",
        "document_id": str(version.document_id),
        "version": version_payload(version),
    }
    return event, document_audience(version.document)


def share_event(
    op: str, share: DocumentShare, *, audience: set[str]
) -> tuple[dict[str, Any], set[str]]:
    """``document_share.add`` / ``update`` / ``remove`` to ``audience`` (the services pass
    the audience after an add and before a remove, so the grantees hear of it too)."""
    event = {
        "type": "document_share",
        "op": op,
        "document_id": str(share.document_id),
        "share": share_payload(share),
    }
    return event, audience
