"""Folders: the roots of users, departments and conversations, and subfolders
(docs/documents.md, "Folders").

Every user, department and conversation has exactly one root folder, made the first time
someone asks for it (under a lock on the owner's row, so two first requests make one
root). A subfolder copies its parent's owner, so access to anything in a folder is decided
from the folder row alone (documents.selectors).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from documents.events.files import document_audience, document_event
from documents.exceptions import (
    FolderDepthExceeded,
    FolderMoveInvalid,
    FolderNameInvalid,
    FolderNotEmpty,
    FolderNotFound,
    RoleRequired,
)
from documents.models import Document, Folder, Role, UploadSession
from documents.models.files import MAX_NAME_CHARS
from documents.selectors import access_folder, has_role
from documents.signals import access_changed
from messaging.models import Conversation
from messaging.selectors import access_conversation
from portal import clock
from portal.accounts.models import Department, User
from portal.audit.services import record
from portal.db import advisory_lock, require_transaction
from portal.realtime import publish
from portal.storage.content import display_name

# Roots are depth 1; deeper trees are refused (paths are read one level per query).
MAX_FOLDER_DEPTH = 32
# The advisory lock that folder moves take, one at a time (portal.db.advisory_lock).
_MOVES_LOCK = 0x0D0F


def folder_name(name: str) -> str:
    """A folder or document name as given (control and format characters dropped, at most
    MAX_NAME_CHARS); ``FolderNameInvalid`` if nothing is left."""
    cleaned = display_name(name, max_chars=MAX_NAME_CHARS)
    if not cleaned:
        raise FolderNameInvalid()
    return cleaned


def _root(owner: dict[str, Any], *, agency_id: Any, name: str, actor: User | None) -> Folder:
    """The owner's root, made now if it has none (precondition: the owner's row is locked
    in the caller's transaction)."""
    root = _existing_root(owner)
    if root is None:
        root = Folder.objects.create(
            agency_id=agency_id, parent=None, name=name[:MAX_NAME_CHARS] or str(_("Documents")),
            created_by=actor, created_at=clock.now(), **owner,
        )  # fmt: skip
    return root


def _existing_root(owner: dict[str, Any]) -> Folder | None:
    return Folder.objects.filter(parent=None, **owner).first()


def user_root(*, user: User) -> Folder:
    """The user's own root folder (their "My documents"), made on first use."""
    existing = _existing_root({"owner_user": user})
    if existing is not None:
        return existing
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        return _root({"owner_user": user}, agency_id=user.agency_id, name=str(user), actor=user)


def department_root(*, department: Department, actor: User | None = None) -> Folder:
    """The department's root folder, made on first use; its members are its editors."""
    existing = _existing_root({"owner_department": department})
    if existing is not None:
        return existing
    with transaction.atomic():
        Department.objects.select_for_update().filter(pk=department.pk).first()
        return _root(
            {"owner_department": department},
            agency_id=department.agency_id, name=department.name, actor=actor,
        )  # fmt: skip


def conversation_root(*, actor: User, conversation_id: Any) -> Folder:
    """The conversation's root folder, for a current member (``ConversationNotFound``
    otherwise), made on first use."""
    with transaction.atomic():
        conversation, _membership = access_conversation(actor, conversation_id)
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        return _root(
            {"owner_conversation": conversation},
            agency_id=conversation.agency_id, name=str(conversation), actor=actor,
        )  # fmt: skip


def roots_of(actor: User) -> list[Folder]:
    """The actor's own root and, if they are in a department, its root (made on first
    use). Conversation roots are reached through the conversation."""
    roots = [user_root(user=actor)]
    if actor.department_id is not None:
        department = Department.objects.get(pk=actor.department_id)
        roots.append(department_root(department=department, actor=actor))
    return roots


def _depth(folder: Folder) -> int:
    depth, node = 1, folder
    while node.parent_id is not None and depth <= MAX_FOLDER_DEPTH:
        node = Folder.objects.only("parent_id").get(pk=node.parent_id)
        depth += 1
    return depth


def folder_create(*, actor: User, parent_id: Any, name: str) -> tuple[Folder, str]:
    """A subfolder of ``parent_id`` with its parent's owner; the actor needs editor on the
    parent (``FolderNotFound`` if they do not see it, ``RoleRequired`` below editor).
    ``FolderDepthExceeded`` past MAX_FOLDER_DEPTH. Returns it with the actor's role."""
    cleaned = folder_name(name)
    with transaction.atomic():
        parent, role = access_folder(actor, parent_id, for_update=True)
        if not has_role(role, Role.EDITOR):
            raise RoleRequired()
        if _depth(parent) >= MAX_FOLDER_DEPTH:
            raise FolderDepthExceeded(max_depth=MAX_FOLDER_DEPTH)
        folder = Folder.objects.create(
            agency_id=parent.agency_id, parent=parent, name=cleaned,
            owner_user_id=parent.owner_user_id, owner_department_id=parent.owner_department_id,
            owner_conversation_id=parent.owner_conversation_id, created_by=actor,
            created_at=clock.now(),
        )  # fmt: skip
        record("document.folder_created", actor=actor, target=folder, target_repr=cleaned)
    return folder, role


def folder_rename(*, actor: User, folder_id: Any, name: str) -> tuple[Folder, str]:
    """Rename a subfolder (editors); roots keep their owner's name (``RoleRequired``)."""
    cleaned = folder_name(name)
    with transaction.atomic():
        folder, role = access_folder(actor, folder_id, for_update=True)
        if folder.parent_id is None or not has_role(role, Role.EDITOR):
            raise RoleRequired()
        folder.name = cleaned
        folder.save(update_fields=["name"])
        record("document.folder_renamed", actor=actor, target=folder, target_repr=cleaned)
    return folder, role


def folder_update(
    *, actor: User, folder_id: Any, name: str | None = None, parent_id: Any = None
) -> tuple[Folder, str]:
    """Rename (``folder_rename``) and/or move (``folder_move``) a subfolder, in one
    transaction: both happen or neither. Returns the folder and the actor's role."""
    with transaction.atomic():
        folder, role = access_folder(actor, folder_id)
        if name is not None:
            folder, role = folder_rename(actor=actor, folder_id=folder_id, name=name)
        if parent_id is not None:
            folder, role = folder_move(actor=actor, folder_id=folder_id, parent_id=parent_id)
    return folder, role


def _owner(folder: Folder) -> tuple[Any, Any, Any]:
    return (folder.owner_user_id, folder.owner_department_id, folder.owner_conversation_id)


def _subtree(folder: Folder) -> list[Any]:
    """Ids of ``folder`` and every folder below it (at most MAX_FOLDER_DEPTH levels)."""
    ids, frontier = [folder.pk], [folder.pk]
    for _level in range(MAX_FOLDER_DEPTH):
        frontier = list(Folder.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids += frontier
    return ids


def _height(subtree: list[Any]) -> int:
    """Levels in a subtree (1: the folder alone), from its ids as ``_subtree`` lists them."""
    parents = dict(Folder.objects.filter(pk__in=subtree).values_list("pk", "parent_id"))
    deepest = 1
    for pk in subtree:
        depth, node = 1, pk
        while node != subtree[0] and depth <= MAX_FOLDER_DEPTH:
            node, depth = parents[node], depth + 1
        deepest = max(deepest, depth)
    return deepest


def folder_move(*, actor: User, folder_id: Any, parent_id: Any) -> tuple[Folder, str]:
    """Move a subfolder, with everything in it, into another folder: the actor needs editor
    on both (``FolderNotFound`` for one they do not see, ``RoleRequired`` below editor;
    roots do not move). Into itself or below itself is ``FolderMoveInvalid``; past
    MAX_FOLDER_DEPTH ``FolderDepthExceeded``. Into another owner's tree (a user's, a
    department's or a conversation's) the actor needs owner on the folder, as for moving
    a document: the subtree takes the new owner, so who sees its documents changes —
    ``document.update`` goes to their new audience, ``document.remove`` to those who no
    longer see them, and ``access_changed`` is sent for each after commit. Audited as
    ``document.folder_moved``. Moves are made one at a time (an advisory lock), so two
    moves at once can neither deadlock nor make a cycle between them. Returns the folder
    and the actor's role on it now."""
    with transaction.atomic():
        advisory_lock(_MOVES_LOCK, 0)
        folder, role = access_folder(actor, folder_id, for_update=True)
        if folder.parent_id is None or not has_role(role, Role.EDITOR):
            raise RoleRequired()
        target, target_role = access_folder(actor, parent_id, for_update=True)
        if not has_role(target_role, Role.EDITOR):
            raise RoleRequired()
        if target.pk == folder.parent_id:
            return folder, role
        subtree = _subtree(folder)
        if target.pk in subtree:
            raise FolderMoveInvalid()
        if _depth(target) + _height(subtree) > MAX_FOLDER_DEPTH:
            raise FolderDepthExceeded(max_depth=MAX_FOLDER_DEPTH)
        crossing = _owner(target) != _owner(folder)
        if crossing and not has_role(role, Role.OWNER):
            raise RoleRequired()
        documents = list(
            Document.objects.select_related("folder")
            .filter(folder_id__in=subtree, deleted_at__isnull=True)
            .order_by("pk")
            .select_for_update(of=("self",))
        )
        before = {d.pk: document_audience(d) for d in documents} if crossing else {}
        record(
            "document.folder_moved", actor=actor, target=folder, target_repr=folder.name,
            details={"from_folder_id": str(folder.parent_id), "folder_id": str(target.pk),
                     "owner_changed": crossing, "documents": len(documents)},
        )  # fmt: skip
        folder.parent = target
        folder.save(update_fields=["parent"])
        if crossing:
            owner = {
                "agency_id": target.agency_id, "owner_user_id": target.owner_user_id,
                "owner_department_id": target.owner_department_id,
                "owner_conversation_id": target.owner_conversation_id,
            }  # fmt: skip
            Folder.objects.filter(pk__in=subtree).update(**owner)
            fresh = Folder.objects.in_bulk(subtree)
            for document in documents:
                document.folder = fresh[document.folder_id]
                _announce_moved(document, before[document.pk])
        folder.refresh_from_db()
        role = access_folder(actor, folder.pk)[1]
    return folder, role


def _announce_moved(document: Document, before: set[str]) -> None:
    event, after = document_event("update", document)
    publish(event, user_ids=after)
    gone = before - after
    if gone:
        removed, _ = document_event("remove", document)
        publish(removed, user_ids=gone)
    pk = document.pk
    transaction.on_commit(lambda: access_changed.send(sender=Document, document_id=pk))


def folder_delete(*, actor: User, folder_id: Any) -> None:
    """Delete an empty subfolder (editors): ``FolderNotEmpty`` (409) while it holds a
    folder, a document (documents in the bin count: they are purged first) or a running
    upload into it (its parts in storage would be left behind); roots cannot be deleted
    (``RoleRequired``)."""
    with transaction.atomic():
        folder, role = access_folder(actor, folder_id, for_update=True)
        if folder.parent_id is None or not has_role(role, Role.EDITOR):
            raise RoleRequired()
        if (
            Folder.objects.filter(parent=folder).exists()
            or Document.objects.filter(folder=folder).exists()
            or UploadSession.objects.filter(folder=folder).exists()
        ):
            raise FolderNotEmpty()
        record("document.folder_deleted", actor=actor, target=folder, target_repr=folder.name)
        folder.delete()


def folder_keep(folder: Folder) -> None:
    """Hold ``folder`` until the caller's transaction ends, so that a document can go into
    it: PostgreSQL's FOR KEY SHARE, which other uploads into the same folder share while
    ``folder_delete`` (FOR UPDATE) waits for them. ``FolderNotFound`` if it was deleted
    meanwhile (the document's insert would otherwise fail its foreign key at commit)."""
    require_transaction("folder_keep")
    if connection.vendor != "postgresql":
        return  # SQLite (embedded mode) writes one transaction at a time
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Folder._meta.db_table)
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [folder.pk])  # noqa: S608 (a model's own table name)
        if cursor.fetchone() is None:
            raise FolderNotFound()


def folder_for_move(actor: User, folder_id: Any) -> Folder:
    """The folder a document may be moved into: the actor must be an editor there. Held
    until the caller's transaction ends (``folder_keep``)."""
    folder, role = access_folder(actor, folder_id)
    if not has_role(role, Role.EDITOR):
        raise RoleRequired()
    folder_keep(folder)
    return folder
