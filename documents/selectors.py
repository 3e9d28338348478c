"""Reads and access checks of folders and documents (docs/documents.md, "Access").

Who holds which role on a document, from the highest grant that applies:
- the owner of its folder's user folder, and whoever created it: owner;
- the members of the department that owns the folder, and the current members of the
  conversation that owns it: editor (that conversation's owner and admins: owner);
- a share (``DocumentShare``) to the user, to their department, or to a conversation they
  are a current member of: the share's role.
Anyone else does not see the document at all: every check answers "not found" for a
document that does not exist, is in the bin, or is not theirs to see, alike.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from documents.exceptions import DocumentNotFound, FolderNotFound, RoleRequired
from documents.models import Document, DocumentShare, Folder, Role
from documents.models.files import ROLE_RANK
from messaging.models import Membership
from portal.accounts.models import User
from portal.db import require_transaction
from portal.ids import as_uuid

_CONVERSATION_OWNERS = (Membership.Role.OWNER, Membership.Role.ADMIN)


def _current_conversations(actor: User) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=actor, left_at__isnull=True).values("conversation_id")


def _folder_visible(actor: User, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}owner_user": actor})
        | Q(
            **{
                f"{prefix}owner_department__isnull": False,
                f"{prefix}owner_department": actor.department_id,
            }
        )
        | Q(**{f"{prefix}owner_conversation__in": _current_conversations(actor)})
    )


def folders_visible_to(actor: User) -> QuerySet[Folder]:
    """Folders whose owner is the actor, their department or a conversation they are in."""
    return Folder.objects.filter(_folder_visible(actor))


def _shares_of(actor: User) -> Q:
    return (
        Q(user=actor)
        | Q(department__isnull=False, department=actor.department_id)
        | Q(conversation__in=_current_conversations(actor))
    )


def documents_visible_to(actor: User) -> QuerySet[Document]:
    """Documents (not in the bin) on which the actor holds any role."""
    shared = DocumentShare.objects.filter(_shares_of(actor), document=OuterRef("pk"))
    return Document.objects.filter(deleted_at__isnull=True).filter(
        _folder_visible(actor, "folder__") | Q(created_by=actor) | Exists(shared)
    )


def folder_role(actor: User, folder: Folder) -> str | None:
    """The role the folder's ownership gives the actor on everything in it, or None."""
    if folder.owner_user_id is not None:
        return Role.OWNER if folder.owner_user_id == actor.pk else None
    if folder.owner_department_id is not None:
        return Role.EDITOR if folder.owner_department_id == actor.department_id else None
    membership = Membership.objects.filter(
        conversation=folder.owner_conversation_id, user=actor, left_at__isnull=True
    ).first()
    if membership is None:
        return None
    return Role.OWNER if membership.role in _CONVERSATION_OWNERS else Role.EDITOR


def document_role(actor: User, document: Document) -> str | None:
    """The highest role the actor holds on ``document`` (see the module docstring), or
    None. Precondition: ``document.folder`` is loaded or cheap to load."""
    roles = [folder_role(actor, document.folder)]
    if document.created_by_id == actor.pk:
        roles.append(Role.OWNER)
    roles += DocumentShare.objects.filter(_shares_of(actor), document=document).values_list(
        "role", flat=True
    )
    held = [role for role in roles if role is not None]
    return max(held, key=ROLE_RANK.__getitem__) if held else None


def has_role(held: str | None, needed: str) -> bool:
    """Whether ``held`` includes ``needed`` (an editor may comment and view, and so on)."""
    return held is not None and ROLE_RANK[held] >= ROLE_RANK[needed]


def access_folder(actor: User, folder_id: Any, *, for_update: bool = False) -> tuple[Folder, str]:
    """The folder and the role its ownership gives the actor; "not found" for a folder
    that does not exist and one the actor does not see, alike."""
    pk = as_uuid(folder_id)
    if pk is None:
        raise FolderNotFound()
    folders = Folder.objects.filter(pk=pk)
    if for_update:
        require_transaction("access_folder(for_update=True)")
        folders = folders.select_for_update()
    folder = folders.first()
    role = folder_role(actor, folder) if folder is not None else None
    if folder is None or role is None:
        raise FolderNotFound()
    return folder, role


def access_document(
    actor: User, document_id: Any, *, role: str = Role.VIEWER, for_update: bool = False
) -> tuple[Document, str]:
    """The document and the actor's role on it. "Not found" for a document that does not
    exist, is in the bin, or on which the actor holds no role; ``RoleRequired`` (403) when
    they see it but their role is below ``role``. With ``for_update`` the document row is
    locked (inside the caller's transaction) before the role is read."""
    pk = as_uuid(document_id)
    if pk is None:
        raise DocumentNotFound()
    documents = Document.objects.select_related("folder").filter(pk=pk, deleted_at__isnull=True)
    if for_update:
        require_transaction("access_document(for_update=True)")
        documents = documents.select_for_update(of=("self",))
    document = documents.first()
    held = document_role(actor, document) if document is not None else None
    if document is None or held is None:
        raise DocumentNotFound()
    if not has_role(held, role):
        raise RoleRequired()
    return document, held
