"""Versions of a document's file: every new version goes through here (docs/documents.md,
"Versions").

A version's bytes live under ``documents/<document id>/<version id>``: keys are made of
ids, never of the file name, which is kept only to be shown and sent in
``Content-Disposition``. Size, SHA-256 and type are computed from the bytes as they
stream to storage; nothing a client says about them is believed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import uuid
from typing import IO, Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from documents.events.files import document_event, version_event
from documents.exceptions import DocumentNotFound, VersionConflict, VersionNotFound
from documents.models import Document, Role, Version
from documents.models.files import MAX_NAME_CHARS
from documents.selectors import access_document
from documents.services.orphans import object_writing
from documents.signals import version_adding, version_created
from portal import clock
from portal.accounts.models import User
from portal.audit.services import record
from portal.db import require_transaction
from portal.ids import as_uuid
from portal.realtime import publish
from portal.storage import get_storage
from portal.storage.base import ObjectInfo
from portal.storage.content import (
    FileTypeNotAllowed,
    detect_content_type,
    display_name,
    is_executable_name,
)
from portal.storage.exceptions import FileTooLarge
from portal.storage.links import Download, Rendered, download_url, register_download_check

logger = logging.getLogger(__name__)

DOCUMENT_PURPOSE = "document"
# detect_content_type reads this much of a stream that cannot seek (and the OLE directory
# entry of an installer only when it lies within it).
_SNIFF_BYTES = 64 * 1024


def version_key(document_id: Any, version_id: Any) -> str:
    """The object key of a version's bytes."""
    return f"documents/{document_id}/{version_id}"


def document_filename(name: str) -> str:
    """A file name as it is shown and sent in ``Content-Disposition``: as given, without
    NUL, control or format characters, at most MAX_NAME_CHARS; ``file`` if nothing is left."""
    return display_name(name, max_chars=MAX_NAME_CHARS) or "file"


def check_file_name(name: str) -> None:
    """``FileTypeNotAllowed`` for a name a desktop would run (``.exe``, ``.bat``…)."""
    if is_executable_name(name):
        raise FileTypeNotAllowed()


def check_declared_size(size: int | None) -> None:
    """``FileTooLarge`` (413) for a size over DOCUMENT_MAX_BYTES."""
    limit = int(settings.DOCUMENT_MAX_BYTES)
    if size is not None and size > limit:
        raise FileTooLarge(limit_bytes=limit)


class HashingReader:
    """A read-only stream over ``stream`` that computes the SHA-256 and the size of what
    was read through it and raises ``FileTooLarge`` once more than ``limit`` bytes came.
    ``head`` is bytes already taken from ``stream`` (type detection), read first."""

    def __init__(self, stream: IO[bytes], *, limit: int, head: bytes = b"") -> None:
        self._stream = stream
        self._head = head
        self._limit = limit
        self._sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                data = self._head + self._stream.read()
                self._head = b""
            else:
                data, self._head = self._head[:n], self._head[n:]
        else:
            data = self._stream.read(n)
        self.size += len(data)
        if self.size > self._limit:
            raise FileTooLarge(limit_bytes=self._limit)
        self._sha.update(data)
        return data

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def sniff(stream: IO[bytes]) -> tuple[str, bytes]:
    """The detected type of ``stream``'s bytes, and the bytes read to tell it (to be read
    again before the rest: empty for a seekable stream, which is left at its start).
    ``FileTypeNotAllowed`` for programs."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        return detect_content_type(stream), b""
    head = stream.read(_SNIFF_BYTES)
    return detect_content_type(io.BytesIO(head)), head


def check_base_version(document: Document, base_version_id: Any) -> None:
    """``VersionConflict`` (412) unless ``base_version_id`` is None or the document's
    current version (precondition: the document row is locked)."""
    if base_version_id is None:
        return
    if as_uuid(base_version_id) is None or as_uuid(base_version_id) != document.current_version_id:
        raise VersionConflict(current_version_id=str(document.current_version_id or "") or None)


def delete_object(key: str) -> None:
    """Remove an object written for a version that was never recorded (failures logged:
    they only leave unused bytes)."""
    try:
        get_storage().delete(key)
    except Exception:
        logger.exception("could not delete the unrecorded object %s", key)


def version_add(
    *,
    actor: User,
    document: Document,
    stream: IO[bytes],
    filename: str,
    source: str = Version.Source.UPLOAD,
    restored_from: Version | None = None,
    base_version_id: Any = None,
    length: int | None = None,
) -> Version:
    """Store the bytes of ``stream`` as the document's next version and make it current.

    Precondition: inside ``transaction.atomic()``, the document row locked by the caller
    (``access_document(actor, id, role=Role.EDITOR, for_update=True)``), so versions of
    one document are numbered and made current one at a time.

    In order: ``VersionConflict`` (412) if ``base_version_id`` is given and is not the
    current version; ``FileTypeNotAllowed`` for an executable name; ``FileTooLarge`` for
    a ``length`` over DOCUMENT_MAX_BYTES; ``version_adding`` is sent (a receiver may
    refuse by raising); the type is detected from the first bytes (programs:
    ``FileTypeNotAllowed``); the bytes are streamed to ``documents/<document>/<version>``
    while their size and SHA-256 are computed (memory: one storage part; a stream longer
    than DOCUMENT_MAX_BYTES stops with ``FileTooLarge``). Then the version is inserted,
    ``version_created`` is sent, ``current_version`` moves, the audit record
    ``document.version_added`` is written and ``document_version.add`` and
    ``document.update`` are published to the document's audience (after commit). With
    ``length`` exactly that many bytes are read. If anything fails after the bytes were
    written, the object is deleted before the error propagates; if the caller's
    transaction rolls back later, the orphan sweep deletes it (``object_writing``); an
    empty stream makes a 0-byte version.
    """
    require_transaction("version_add")
    check_base_version(document, base_version_id)
    name = document_filename(filename)
    check_file_name(name)
    check_declared_size(length)
    version_adding.send(sender=Version, document=document, actor=actor)
    version_id = uuid.uuid4()
    key = version_key(document.pk, version_id)
    content_type, head = sniff(stream)
    reader = HashingReader(stream, limit=int(settings.DOCUMENT_MAX_BYTES), head=head)
    object_writing(key)  # a rollback after this leaves the object to the orphan sweep
    try:
        info = get_storage().put(
            key, cast(IO[bytes], reader), length=length, content_type=content_type
        )
        return version_record(
            actor=actor, document=document, version_id=version_id, info=info,
            sha256=reader.hexdigest(), content_type=content_type, filename=name,
            source=source, restored_from=restored_from,
        )  # fmt: skip
    except BaseException:
        delete_object(key)
        raise


def version_record(
    *,
    actor: User,
    document: Document,
    version_id: uuid.UUID,
    info: ObjectInfo,
    sha256: str,
    content_type: str,
    filename: str,
    source: str,
    restored_from: Version | None = None,
) -> Version:
    """Insert the version whose bytes are already stored (``info``), make it current,
    audit and publish — the second half of ``version_add``, shared with the completion
    of a resumable upload. Precondition: as ``version_add``'s, and ``version_adding``
    was sent in this transaction."""
    require_transaction("version_record")
    now = clock.now()
    number = (document.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = Version.objects.create(
        id=version_id, document=document, number=number, key=info.key,
        storage_version_id=info.version_id or "", size=info.size, sha256=sha256,
        content_type=content_type, filename=filename, source=source,
        restored_from=restored_from, author=actor, created_at=now,
    )  # fmt: skip
    version_created.send(sender=Version, version=version, actor=actor)
    document.current_version = version
    document.updated_at = now
    document.save(update_fields=["current_version", "updated_at"])
    record(
        "document.version_added",
        actor=actor,
        target=document,
        target_repr=document.name,
        details={
            "version_id": str(version.pk), "number": number, "source": source,
            "size": version.size, "sha256": sha256,
            "restored_from": str(restored_from.pk) if restored_from else None,
        },
    )  # fmt: skip
    for event, users in (version_event(version), document_event("update", document)):
        publish(event, user_ids=users)
    return version


def access_version(actor: User, document_id: Any, version_id: Any) -> tuple[Version, str]:
    """A version of a document the actor may view, and their role; "not found" alike for
    a missing document, one they do not see, and a version not of that document."""
    document, role = access_document(actor, document_id)
    pk = as_uuid(version_id)
    version = (
        Version.objects.select_related("author", "document")
        .filter(pk=pk, document=document)
        .first()
        if pk is not None
        else None
    )
    if version is None:
        raise VersionNotFound()
    return version, role


def version_restore(*, actor: User, document_id: Any, version_id: Any) -> Version:
    """Make a copy of an earlier version the document's new version (``source=restore``,
    ``restored_from``), its bytes streamed from storage through ``version_add`` (so the
    signals, audit and events are those of any new version). Editors and owners only.
    """
    with transaction.atomic():
        document, _ = access_document(actor, document_id, role=Role.EDITOR, for_update=True)
        old, _ = access_version(actor, document.pk, version_id)
        with get_storage().get(old.key, version_id=old.storage_version_id or None) as reader:
            return version_add(
                actor=actor, document=document, stream=cast(IO[bytes], _ReaderStream(reader)),
                filename=old.filename, source=Version.Source.RESTORE, restored_from=old,
                length=old.size,
            )  # fmt: skip


class _ReaderStream:
    """An ``ObjectReader``'s chunks as a stream with ``read(n)`` (not seekable)."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        while n is None or n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if n is None or n < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data


def _version_readable(user: Any, object_id: str) -> bool:
    document_id, _, version_id = object_id.partition(":")
    try:
        access_version(user, document_id, version_id)
    except (DocumentNotFound, VersionNotFound):  # in the bin, moved away, share revoked
        return False
    return True


def _watermarked(user: Any, download: Download) -> Rendered | None:
    """A PDF version stamped for ``user`` when their agency turned the watermark on (the
    previews part's stamp); None (the bytes as stored) otherwise."""
    from documents.services.previews_serving import watermarked_pdf  # it imports this module

    return watermarked_pdf(user, download)


register_download_check(DOCUMENT_PURPOSE, _version_readable, render=_watermarked)


def version_link(*, actor: User, document_id: Any, version_id: Any) -> tuple[str, Any]:
    """A signed link (``/api/v1/files/<token>``) to a version's bytes for ``actor`` only,
    and when it expires (DOWNLOAD_LINK_TTL seconds ahead). Each use checks again that the
    actor still sees the document and the version: a revoked share, a move out of reach
    or the bin close the link at once."""
    version, _ = access_version(actor, document_id, version_id)
    url = download_url(
        user=actor, key=version.key, filename=version.filename,
        content_type=version.content_type, purpose=DOCUMENT_PURPOSE,
        object_id=f"{version.document_id}:{version.pk}",
        version_id=version.storage_version_id or None,
    )  # fmt: skip
    expires_at = clock.now() + dt.timedelta(seconds=int(settings.DOWNLOAD_LINK_TTL))
    return url, expires_at
