"""Reads of the files part: folder contents, documents shared with someone, versions,
and the caller's role on each document of a page (docs/documents.md, "Access")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max, QuerySet

from documents.models import Document, DocumentShare, Folder, Role, Version
from documents.models.files import ROLE_RANK
from documents.selectors import _shares_of, documents_visible_to, folder_role
from portal.accounts.models import User

_DOCUMENT_RELATED = ("folder", "created_by", "current_version", "current_version__author")
_FOLDER_RELATED = ("owner_user", "owner_department", "owner_conversation", "parent")


def subfolders(folder: Folder) -> QuerySet[Folder]:
    """The folder's subfolders, by name."""
    return Folder.objects.filter(parent=folder).select_related(*_FOLDER_RELATED).order_by("name")


def folder_documents(folder: Folder) -> QuerySet[Document]:
    """The documents in the folder (not in the bin), for paging."""
    return Document.objects.filter(folder=folder, deleted_at__isnull=True).select_related(
        *_DOCUMENT_RELATED
    )


def documents_shared_with(actor: User) -> QuerySet[Document]:
    """Documents the actor holds through a share (to them, their department or a
    conversation they are in), annotated ``shared_at`` (the newest such share), for
    paging newest first; those they also see through a folder are included."""
    return (
        documents_visible_to(actor)
        .filter(shares__in=DocumentShare.objects.filter(_shares_of(actor)))
        .annotate(shared_at=Max("shares__created_at"))
        .select_related(*_DOCUMENT_RELATED)
    )


def versions_of(document: Document) -> QuerySet[Version]:
    """The document's versions, newest first."""
    return Version.objects.filter(document=document).select_related("author")


def roles_on(actor: User, documents: Iterable[Document]) -> dict[Any, str]:
    """The actor's role on each document (all of which they see), in one query for the
    shares: the same answer as ``documents.selectors.document_role`` for each."""
    documents = list(documents)
    held: dict[Any, list[str]] = {}
    folder_roles: dict[Any, str | None] = {}
    for document in documents:
        if document.folder_id not in folder_roles:
            folder_roles[document.folder_id] = folder_role(actor, document.folder)
        roles = [folder_roles[document.folder_id]]
        if document.created_by_id == actor.pk:
            roles.append(Role.OWNER)
        held[document.pk] = [r for r in roles if r is not None]
    shares = DocumentShare.objects.filter(
        _shares_of(actor), document__in=[d.pk for d in documents]
    ).values_list("document_id", "role")
    for document_id, role in shares:
        held[document_id].append(role)
    return {
        pk: max(roles, key=ROLE_RANK.__getitem__) if roles else Role.VIEWER
        for pk, roles in held.items()
    }
