"""Object storage on an S3-compatible server (MinIO in production) through the minio SDK."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import IO, Any, BinaryIO, cast
from urllib.parse import urlsplit

import urllib3
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from minio import Minio
from minio.datatypes import Part as MinioPart
from minio.error import MinioException, S3Error
from minio.versioningconfig import ENABLED, VersioningConfig

from portal.storage.base import (
    CHUNK_SIZE,
    ByteRange,
    ObjectInfo,
    ObjectReader,
    Part,
    Storage,
    check_part_number,
    check_parts,
    validate_key,
)
from portal.storage.exceptions import (
    InvalidPart,
    ObjectLengthMismatch,
    ObjectNotFound,
    RangeNotSatisfiable,
    StorageUnavailable,
    UploadNotFound,
)

logger = logging.getLogger(__name__)

# A stream of unknown length is sent in parts of this size; memory use per upload is one
# part, and the largest object is 10,000 parts (160 GiB).
DEFAULT_PART_SIZE = 16 * 1024 * 1024
# How long the presigned path handed to nginx in X-Accel-Redirect stays valid; nginx uses
# it at once, and it never leaves the server.
_INTERNAL_URL_TTL = dt.timedelta(seconds=60)
_NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "NoSuchObject", "ResourceNotFound", "MethodNotAllowed"}
_BAD_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}


@contextmanager
def _errors(*, version_id: str | None = None) -> Iterator[None]:
    """Turn the SDK's errors into storage domain errors."""
    try:
        yield
    except S3Error as exc:
        code = exc.code or ""
        # A malformed version id is a 400 InvalidArgument on S3: for us, no such version.
        if code in _NOT_FOUND or (version_id is not None and code == "InvalidArgument"):
            raise ObjectNotFound() from exc
        if code == "NoSuchUpload":
            raise UploadNotFound() from exc
        if code in _BAD_PARTS:
            raise InvalidPart(reason=code) from exc
        if code == "InvalidRange":
            raise RangeNotSatisfiable() from exc
        logger.error("S3 request failed: %s", exc)
        raise StorageUnavailable() from exc
    except (MinioException, urllib3.exceptions.HTTPError) as exc:
        logger.error("S3 request failed: %s", exc)
        raise StorageUnavailable() from exc


def _http_client() -> urllib3.PoolManager:
    # The SDK's default waits five minutes to connect: too long for /readyz and requests.
    # Certificates are checked against the system's CA store (where an agency's own CA is
    # installed).
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=60),
        maxsize=20,
        cert_reqs="CERT_REQUIRED",
        retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
    )


class _Counted:
    """Passes reads through to a stream, counting the bytes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data


def _last_modified(value: str | None) -> dt.datetime:
    return parsedate_to_datetime(value) if value else timezone.now()


class S3Storage(Storage):
    """Objects in one bucket of an S3-compatible server.

    The bucket is created if missing and its versioning switched on at first use, so every
    put keeps the previous versions. ``endpoint`` is a URL (``http://minio:9000``); without
    a scheme HTTPS is assumed.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str = "us-east-1",
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if (
            url.scheme not in {"http", "https"}
            or not url.hostname
            or "@" in url.netloc
            or url.path not in {"", "/"}
            or url.query
        ):
            raise ImproperlyConfigured(
                f"S3_ENDPOINT must look like http(s)://host:port, got {endpoint!r}"
            )
        self.bucket = bucket
        self.part_size = part_size
        self.secure = url.scheme == "https"
        self._client = Minio(
            url.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=self.secure,
            region=region,
            http_client=_http_client(),
        )
        self._ready = False
        self._lock = threading.Lock()

    def _ensure_bucket(self) -> None:
        if self._ready:
            return
        with self._lock, _errors():
            if self._ready:
                return
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket)
                except S3Error as exc:
                    # Another process made it first.
                    if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise
            if self._client.get_bucket_versioning(self.bucket).status != ENABLED:
                self._client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
            self._ready = True

    def _prepare(self, key: str) -> None:
        validate_key(key)
        self._ensure_bucket()

    def _head(self, key: str, version_id: str | None) -> ObjectInfo:
        with _errors(version_id=version_id):
            obj = self._client.stat_object(self.bucket, key, version_id=version_id)
        return ObjectInfo(
            key=key,
            size=obj.size or 0,
            etag=obj.etag or "",
            last_modified=obj.last_modified or timezone.now(),
            version_id=obj.version_id,
            content_type=obj.content_type,
        )

    def _upload_gone(self, key: str, upload_id: str) -> bool:
        # Some servers (moto) answer 500 instead of NoSuchUpload when a part is sent to an
        # ended upload; listing its parts tells the two apart.
        try:
            self._client._list_parts(self.bucket, key, upload_id, max_parts=1)
        except S3Error as exc:
            return exc.code == "NoSuchUpload"
        except (MinioException, urllib3.exceptions.HTTPError):
            return False
        return False

    # --- objects ----------------------------------------------------------------------------

    def put(
        self,
        key: str,
        stream: IO[bytes],
        *,
        length: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        self._prepare(key)
        counted = _Counted(stream)
        try:
            with _errors():
                result = self._client.put_object(
                    self.bucket,
                    key,
                    cast(BinaryIO, counted),  # the SDK only calls read()
                    -1 if length is None else length,
                    content_type=content_type,
                    part_size=self.part_size if length is None else 0,
                    # One part in memory at a time.
                    num_parallel_uploads=1,
                )
        except OSError:
            # The SDK reports a stream shorter than ``length`` as IOError, before sending.
            if length is not None and counted.count < length:
                raise ObjectLengthMismatch(expected=length) from None
            raise
        return self._head(key, result.version_id)

    def get(
        self,
        key: str,
        *,
        version_id: str | None = None,
        byte_range: ByteRange | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> ObjectReader:
        self._prepare(key)
        headers: dict[str, Any] = {}
        if byte_range is not None:
            start, end = byte_range
            if start < 0 or (end is not None and end < start):
                raise RangeNotSatisfiable()
            headers["Range"] = f"bytes={start}-{'' if end is None else end}"
        with _errors(version_id=version_id):
            response = self._client.get_object(
                self.bucket, key, version_id=version_id, request_headers=headers
            )
        response_headers = response.headers
        length = int(response_headers.get("content-length", "0"))
        first, last, size = 0, length - 1, length
        content_range = response_headers.get("content-range", "")
        if response.status == 206 and content_range.startswith("bytes "):
            span, _, total = content_range[6:].partition("/")
            first_text, _, last_text = span.partition("-")
            first, last, size = int(first_text), int(last_text), int(total)
        info = ObjectInfo(
            key=key,
            size=size,
            etag=response_headers.get("etag", "").strip('"'),
            last_modified=_last_modified(response_headers.get("last-modified")),
            version_id=response_headers.get("x-amz-version-id"),
            content_type=response_headers.get("content-type"),
        )

        def close() -> None:
            response.close()
            response.release_conn()

        return ObjectReader(
            info, response.stream(chunk_size, decode_content=False), close, start=first, end=last
        )

    def stat(self, key: str, *, version_id: str | None = None) -> ObjectInfo:
        self._prepare(key)
        return self._head(key, version_id)

    def _all_versions(self, key: str) -> list[Any]:
        with _errors():
            listing = self._client.list_objects(
                self.bucket, prefix=key, recursive=True, include_version=True
            )
            return [obj for obj in listing if obj.object_name == key]

    def delete(self, key: str, *, version_id: str | None = None) -> None:
        self._prepare(key)
        if version_id is not None:
            version_ids: list[str | None] = [version_id]
        else:
            # Every version and delete marker: the object is gone for good, not hidden.
            version_ids = [obj.version_id for obj in self._all_versions(key)]
        for vid in version_ids:
            with _errors(version_id=vid):
                try:
                    self._client.remove_object(self.bucket, key, version_id=vid)
                except S3Error as exc:
                    if exc.code not in _NOT_FOUND | {"InvalidArgument"}:
                        raise

    def versions(self, key: str) -> list[ObjectInfo]:
        self._prepare(key)
        return [
            ObjectInfo(
                key=key,
                size=obj.size or 0,
                etag=obj.etag or "",
                last_modified=obj.last_modified or timezone.now(),
                version_id=obj.version_id,
                is_latest=obj.is_latest == "true",
            )
            for obj in self._all_versions(key)
            if not obj.is_delete_marker
        ]

    # --- multipart uploads ------------------------------------------------------------------
    # The SDK has no public calls for uploads whose parts arrive one request at a time (it
    # splits a stream itself in put_object), so these use its S3 operations directly.

    def multipart_start(self, key: str, content_type: str = "application/octet-stream") -> str:
        self._prepare(key)
        with _errors():
            return self._client._create_multipart_upload(
                self.bucket, key, {"Content-Type": content_type}
            )

    def multipart_put_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> Part:
        check_part_number(part_number)
        self._prepare(key)
        try:
            with _errors():
                etag = self._client._upload_part(
                    self.bucket, key, data, None, upload_id, part_number
                )
        except StorageUnavailable:
            if self._upload_gone(key, upload_id):
                raise UploadNotFound() from None
            raise
        return Part(part_number=part_number, etag=etag)

    def multipart_complete(self, key: str, upload_id: str, parts: list[Part]) -> ObjectInfo:
        self._prepare(key)
        check_parts(parts)
        sdk_parts = [MinioPart(part.part_number, part.etag.strip('"')) for part in parts]
        try:
            with _errors():
                result = self._client._complete_multipart_upload(
                    self.bucket, key, upload_id, sdk_parts
                )
        except StorageUnavailable:
            if self._upload_gone(key, upload_id):
                raise UploadNotFound() from None
            raise
        return self._head(key, result.version_id)

    def multipart_abort(self, key: str, upload_id: str) -> None:
        self._prepare(key)
        with _errors():
            self._client._abort_multipart_upload(self.bucket, key, upload_id)

    # --- operations -------------------------------------------------------------------------

    def check(self) -> None:
        self._ensure_bucket()
        with _errors():
            if not self._client.bucket_exists(self.bucket):
                self._ready = False
                raise StorageUnavailable(reason="bucket missing")

    def internal_location(self, key: str, *, version_id: str | None) -> str:
        self._prepare(key)
        with _errors():
            url = self._client.presigned_get_object(
                self.bucket, key, expires=_INTERNAL_URL_TTL, version_id=version_id
            )
        parts = urlsplit(url)
        return f"{parts.path.lstrip('/')}?{parts.query}"
