"""The object-storage interface every backend implements (docs/storage.md).

Objects are byte strings under keys, versioned: every ``put`` of a key makes a new
version, older versions stay readable by id until deleted. Reads and writes stream in
chunks, so memory use does not grow with object size.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from portal.storage.exceptions import InvalidObjectKey, InvalidPart, RangeNotSatisfiable

CHUNK_SIZE = 64 * 1024
# S3's multipart rules, kept by every backend so code written against embedded mode
# works against S3: parts other than the last are at least 5 MiB, at most 10,000 parts.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000
MAX_KEY_LENGTH = 512
# Segments of letters, digits, "-", "_" and "." that do not start with "." (so no "..",
# no hidden files, and the filesystem backend's own ".v" and ".uploads" never clash).
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")

# (first byte, last byte inclusive), or (first byte, None) for "to the end".
ByteRange = tuple[int, int | None]


def validate_key(key: str) -> str:
    """``key`` if it is a valid object key, else :class:`InvalidObjectKey`.

    Valid: 1–512 characters, "/"-separated segments, each a run of ASCII letters, digits,
    ``-``, ``_`` and ``.`` not starting with ``.``; no leading, trailing or double "/".
    """
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
        raise InvalidObjectKey(key=str(key)[:100])
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidObjectKey(key=key[:100])
    return key


@dataclass(frozen=True)
class ObjectInfo:
    """One version of an object. ``etag`` is opaque, without quotes. ``content_type`` is
    None in ``versions()`` listings (S3 does not list it); ``is_latest`` is reported by
    ``versions()`` only (None elsewhere: S3 would need another request to tell)."""

    key: str
    size: int
    etag: str
    last_modified: dt.datetime
    version_id: str | None
    content_type: str | None = None
    is_latest: bool | None = None


@dataclass(frozen=True)
class Part:
    """A stored part of a multipart upload, as ``multipart_complete`` wants it back."""

    part_number: int
    etag: str


class ObjectReader:
    """An open object: iterate it for its bytes in chunks, then ``close()`` it (or use it as a
    context manager). ``info`` describes the whole object; ``start`` and ``end`` (inclusive)
    the bytes this reader yields, ``length`` how many there are."""

    def __init__(
        self,
        info: ObjectInfo,
        chunks: Iterator[bytes],
        close: Callable[[], None],
        *,
        start: int = 0,
        end: int | None = None,
    ) -> None:
        self.info = info
        self.start = start
        self.end = info.size - 1 if end is None else end
        self._chunks = chunks
        self._close = close
        self._closed = False

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def __iter__(self) -> ObjectReader:
        return self

    def __next__(self) -> bytes:
        if self._closed:
            raise StopIteration
        return next(self._chunks)

    def read(self) -> bytes:
        """All remaining bytes at once: for small objects only."""
        return b"".join(self)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def resolve_range(byte_range: ByteRange | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(start, end)`` a range selects from an object of ``size`` bytes,
    with ``end`` clamped to the last byte; None for the whole object.
    :class:`RangeNotSatisfiable` if it starts past the end or is reversed."""
    if byte_range is None:
        return None
    start, end = byte_range
    if start < 0 or (end is not None and end < start) or start >= size:
        raise RangeNotSatisfiable(size=size)
    return start, size - 1 if end is None else min(end, size - 1)


def check_parts(parts: list[Part]) -> None:
    """The part list of a completion is non-empty and in strictly ascending order."""
    numbers = [part.part_number for part in parts]
    if not numbers or numbers != sorted(set(numbers)):
        raise InvalidPart(reason="parts must be listed once each, in ascending order")


def check_part_number(part_number: int) -> None:
    if not 1 <= part_number <= MAX_PARTS:
        raise InvalidPart(reason=f"part numbers go from 1 to {MAX_PARTS}")


class Storage(abc.ABC):
    """What Portal asks of object storage. Every method validates ``key`` first
    (:func:`validate_key`); a missing object or version raises ``ObjectNotFound``; an
    unreachable server ``StorageUnavailable``."""

    @abc.abstractmethod
    def put(
        self,
        key: str,
        stream: IO[bytes],
        *,
        length: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        """Store the bytes read from ``stream`` as the new latest version of ``key``.

        With ``length``, exactly that many bytes are read and a shorter stream raises
        ``ObjectLengthMismatch``; without it the stream is read to its end. Memory use is
        bounded by one chunk (filesystem) or one multipart part (S3), whatever the size.
        Readers see either the previous version or the whole new one, never a part.
        """

    @abc.abstractmethod
    def get(
        self,
        key: str,
        *,
        version_id: str | None = None,
        byte_range: ByteRange | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> ObjectReader:
        """Open the latest (or the given) version for streaming, whole or one byte range,
        in chunks of at most ``chunk_size`` bytes (a download asks for large ones).

        A range's end is clamped to the object's last byte; a range that starts past it
        (every range of an empty object) or is reversed raises ``RangeNotSatisfiable``.
        """

    @abc.abstractmethod
    def stat(self, key: str, *, version_id: str | None = None) -> ObjectInfo:
        """The latest (or the given) version's size, ETag, type and time."""

    @abc.abstractmethod
    def delete(self, key: str, *, version_id: str | None = None) -> None:
        """Without ``version_id``: remove the object with all its versions, for good.
        With it: remove that version only (the previous one becomes the latest).
        Deleting what does not exist is not an error."""

    @abc.abstractmethod
    def versions(self, key: str) -> list[ObjectInfo]:
        """Every stored version of ``key``, newest first (empty if there are none)."""

    @abc.abstractmethod
    def multipart_start(self, key: str, content_type: str = "application/octet-stream") -> str:
        """Begin an upload in parts (for clients that send a large file in pieces);
        returns its upload id. Nothing is visible under ``key`` until completion."""

    @abc.abstractmethod
    def multipart_put_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> Part:
        """Store part ``part_number`` (1–10,000) of an upload; sending a number again
        replaces that part. ``UploadNotFound`` if the upload has ended or never began."""

    @abc.abstractmethod
    def multipart_complete(self, key: str, upload_id: str, parts: list[Part]) -> ObjectInfo:
        """Join ``parts`` (ascending, as returned by ``multipart_put_part``) into the new
        latest version of ``key`` and end the upload. ``InvalidPart`` if a part is unknown,
        its ETag differs, or a part other than the last is smaller than 5 MiB."""

    @abc.abstractmethod
    def multipart_abort(self, key: str, upload_id: str) -> None:
        """End an upload and drop its parts; ``UploadNotFound`` if it is not running."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise ``StorageUnavailable`` unless storage is reachable and writable."""

    @abc.abstractmethod
    def internal_location(self, key: str, *, version_id: str | None) -> str:
        """Where nginx finds this version for ``X-Accel-Redirect`` (docs/storage.md):
        the path under the storage root, or a presigned S3 path with its query."""
