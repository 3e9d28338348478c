"""``GET /api/v1/files/<token>``: the bytes behind a signed download link (docs/storage.md)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from typing import IO, Any, Protocol
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from portal.api.context import SignedInRequest
from portal.api.exceptions import error_response
from portal.api.serializers import Error
from portal.api.throttling import UserRateThrottle
from portal.storage import get_storage
from portal.storage.base import CHUNK_SIZE
from portal.storage.exceptions import DownloadNotFound, ObjectNotFound, RangeNotSatisfiable
from portal.storage.links import Download, Rendered, render_download, resolve_download

# One range only; several ranges (multipart/byteranges) are answered with the whole file,
# which RFC 9110 allows. 19 digits keep int() away from huge numbers.
_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")
# Types a browser may show in place; anything else (HTML, SVG, scripts) is an attachment.
_INLINE_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
    "application/pdf", "text/plain",
}  # fmt: skip
_FILENAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def requested_range(
    header: str | None, size: int, *, if_range: str | None = None, etag: str = ""
) -> tuple[int, int] | None:
    """The inclusive byte range a ``Range`` header asks of ``size`` bytes, clamped to the
    end; None for the whole file (no header, one the server may ignore, several ranges, or
    an ``If-Range`` that no longer matches). ``RangeNotSatisfiable`` if it lies past the end.
    """
    if not header or (if_range is not None and if_range.strip() != etag):
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored, per RFC 9110
    if start >= size:
        raise RangeNotSatisfiable()
    return start, min(end, size - 1)


def content_disposition(filename: str, content_type: str) -> str:
    """``inline`` for types a browser shows safely, else ``attachment``; an ASCII
    ``filename`` for old clients and the exact name in RFC 5987 ``filename*``."""
    disposition = "inline" if content_type in _INLINE_TYPES else "attachment"
    name = _FILENAME_UNSAFE.sub("_", filename).strip() or "download"
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r'["\\]', "_", fallback).strip() or "download"
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


# Bytes read per trip to a worker thread: a hop costs about as much as copying 64 KiB, so
# one per storage chunk held a 1 GB download to a quarter of the storage's speed
# (bench/documents_transfer.py); a few of them per hop keep memory at one batch. A
# download reads the storage in chunks of this size, so a batch is one read, not a join.
_BATCH_BYTES = 1024 * 1024


class _Chunks(Protocol):
    """An object reader, or a file made for the viewer: chunks, then ``close()``."""

    def __next__(self) -> bytes: ...

    def close(self) -> None: ...


class _FileChunks:
    """A file's bytes in CHUNK_SIZE chunks, closed with the response."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def __iter__(self) -> _FileChunks:
        return self

    def __next__(self) -> bytes:
        chunk = self._file.read(CHUNK_SIZE)
        if not chunk:
            raise StopIteration
        return chunk

    def close(self) -> None:
        self._file.close()


class _AsyncChunks:
    """A reader's chunks for an ASGI server. Django buffers a synchronous iterator whole
    before sending it over ASGI; this reads them in a worker thread instead, up to
    _BATCH_BYTES per trip."""

    def __init__(self, reader: _Chunks) -> None:
        self._reader = reader

    def _next(self) -> bytes | None:
        batch: list[bytes] = []
        size = 0
        while size < _BATCH_BYTES:
            chunk = next(self._reader, None)
            if chunk is None:
                break
            batch.append(chunk)
            size += len(chunk)
        return b"".join(batch) if batch else None

    async def _chunks(self) -> AsyncIterator[bytes]:
        read = sync_to_async(self._next, thread_sensitive=False)
        while (chunk := await read()) is not None:
            yield chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    def close(self) -> None:
        self._reader.close()


class _AnyAccept(BaseContentNegotiation):
    """Files are served whatever the client accepts (an ``<img>`` asks for images only);
    errors are JSON."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class DownloadThrottle(UserRateThrottle):
    """Downloads have their own, higher per-user rate (a directory page shows many
    avatars); DOWNLOAD_RATE sets it."""

    scope = "download"


class FileDownloadView(APIView):
    """Download the file behind a signed link that the API handed out (an avatar, an
    attachment). Only the user the link was made for may use it, for about a minute, and
    only while they may still see the file; otherwise 404. Supports one byte range
    (``Range: bytes=…``, 206) and HEAD."""

    content_negotiation_class = _AnyAccept
    throttle_classes = [DownloadThrottle]

    @extend_schema(
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The whole file"),
            (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="One byte range"),
            404: OpenApiResponse(Error, description="Link invalid, expired, or not yours"),
            409: OpenApiResponse(
                Error, description="A copy made for the viewer (watermarked) cannot be made"
            ),
            416: OpenApiResponse(Error, description="Range outside the file"),
        },
        tags=["files"],
    )
    def get(self, request: SignedInRequest, token: str) -> HttpResponseBase:
        download = resolve_download(user=request.user, token=token)
        rendered = render_download(user=request.user, download=download)
        if rendered is not None:
            return _rendered_response(request, download, rendered)
        storage = get_storage()
        try:
            info = storage.stat(download.key, version_id=download.version_id)
        except ObjectNotFound:
            raise DownloadNotFound() from None
        etag = f'"{info.etag}"'
        try:
            selected = requested_range(
                request.headers.get("Range"), info.size,
                if_range=request.headers.get("If-Range"), etag=etag,
            )  # fmt: skip
        except RangeNotSatisfiable as exc:
            error = error_response(exc.status, exc.code, exc.message, {"size": info.size})
            error["Content-Range"] = f"bytes */{info.size}"
            return error
        start, end = selected if selected else (0, info.size - 1)
        status = 206 if selected else 200
        content_type = (
            download.content_type
            if _CONTENT_TYPE.fullmatch(download.content_type)
            else "application/octet-stream"
        )

        response: HttpResponseBase
        accel_prefix = settings.STORAGE_X_ACCEL_REDIRECT
        if accel_prefix:
            # nginx serves the bytes (and the Range) from an internal location.
            response = HttpResponse()
            location = storage.internal_location(download.key, version_id=info.version_id)
            response["X-Accel-Redirect"] = accel_prefix + location
        elif request.method == "HEAD":
            response = HttpResponse(status=status)
        else:
            try:
                reader = storage.get(
                    download.key, version_id=info.version_id, byte_range=selected,
                    chunk_size=_BATCH_BYTES,
                )  # fmt: skip
            except ObjectNotFound:
                raise DownloadNotFound() from None
            streamed = _AsyncChunks(reader) if isinstance(request._request, ASGIRequest) else reader
            response = StreamingHttpResponse(streamed, status=status)
        if not accel_prefix:
            response["Content-Length"] = str(end - start + 1)
            if selected:
                response["Content-Range"] = f"bytes {start}-{end}/{info.size}"
        response["Content-Type"] = content_type
        response["Content-Disposition"] = content_disposition(download.filename, content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(info.last_modified.timestamp())
        response["Accept-Ranges"] = "bytes"
        response["X-Content-Type-Options"] = "nosniff"
        # The link is per user and short-lived; so is any cached copy.
        response["Cache-Control"] = f"private, max-age={settings.DOWNLOAD_LINK_TTL}"
        return response


def _rendered_response(
    request: SignedInRequest, download: Download, rendered: Rendered
) -> HttpResponseBase:
    """Bytes made for this viewer (``register_download_check(render=...)``): always whole,
    since they may differ on every request (``Accept-Ranges: none``, no ETag), never
    through nginx, never cached beyond the link's lifetime."""
    response: HttpResponseBase
    if request.method == "HEAD":
        rendered.file.close()
        response = HttpResponse()
    else:
        chunks = _FileChunks(rendered.file)
        streamed = _AsyncChunks(chunks) if isinstance(request._request, ASGIRequest) else chunks
        response = StreamingHttpResponse(streamed)
    content_type = (
        rendered.content_type
        if _CONTENT_TYPE.fullmatch(rendered.content_type)
        else "application/octet-stream"
    )
    response["Content-Length"] = str(rendered.size)
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition(download.filename, content_type)
    response["Accept-Ranges"] = "none"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={settings.DOWNLOAD_LINK_TTL}"
    return response
