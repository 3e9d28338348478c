"""Factories for folders and documents, made through the real services (roots on first
use, uploads streamed to the S3 server of the suite)."""

from __future__ import annotations

import io
from typing import Any

from documents.models import Document, Folder
from documents.services.files import document_create_rich_text, document_upload
from documents.services.folders import folder_create, user_root
from portal.accounts.models import User


def root_of(user: User) -> Folder:
    return user_root(user=user)


def make_folder(user: User, *, parent: Folder | None = None, name: str = "Папка") -> Folder:
    parent = parent or user_root(user=user)
    return folder_create(actor=user, parent_id=parent.pk, name=name)[0]


def make_document(
    user: User,
    *,
    folder: Folder | None = None,
    data: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    filename: str = "Отчёт.pdf",
    **kwargs: Any,
) -> Document:
    """A file document with one version holding ``data`` (a small PDF by default)."""
    folder = folder or user_root(user=user)
    return document_upload(
        actor=user, folder_id=folder.pk, stream=io.BytesIO(data), filename=filename,
        length=len(data), **kwargs,
    )  # fmt: skip


def make_rich_text(user: User, *, folder: Folder | None = None, name: str = "Записка") -> Document:
    folder = folder or user_root(user=user)
    return document_create_rich_text(actor=user, folder_id=folder.pk, name=name)
