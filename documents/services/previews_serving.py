"""Serving previews and PDFs of document versions to viewers (docs/documents.md, "Previews
and watermarks"): the state of a version's preview with signed per-viewer links, and what
those links serve — the stored clean file, or with the agency's watermark on, a copy
stamped for the viewer as it is served. Making previews: ``documents.services.previews``.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from documents.exceptions import (
    DocumentNotFound,
    PdfNotAvailable,
    PdfTooLargeToWatermark,
    PreviewNotReady,
    VersionNotFound,
)
from documents.models import Document, Preview, Version
from documents.previews_render import OFFICE_TYPES, PDF_TYPE
from documents.services.previews import (
    RETRYABLE_REASONS,
    Status,
    preview_retry,
    preview_schedule,
    reason_text,
    watermark_on,
)
from documents.services.versions import access_version
from documents.watermark import stamp_image, stamp_pdf, watermark_text
from portal.accounts.models import User
from portal.ids import as_uuid
from portal.storage import get_storage
from portal.storage.exceptions import DownloadNotFound, ObjectNotFound
from portal.storage.links import Download, Rendered, download_url, register_download_check

PREVIEW_PURPOSE = "document_preview"
PDF_PURPOSE = "document_pdf"


def _access_version(actor: User, document_id: Any, version_id: Any) -> Version:
    version, _role = access_version(actor, document_id, version_id)
    return version


def _object_id(version: Version) -> str:
    # As the files part's own version links: the document's and the version's ids.
    return f"{version.document_id}:{version.pk}"


def _version_viewable(user: Any, object_id: str) -> bool:
    document_id, _, version_id = object_id.partition(":")
    try:
        access_version(user, document_id, version_id)
    except (DocumentNotFound, VersionNotFound):  # in the bin, moved away, share revoked
        return False
    return True


def _watermark_wanted(download: Download) -> bool:
    document_id = as_uuid(download.object_id.partition(":")[0])
    agency_id = (
        Document.objects.filter(pk=document_id).values_list("agency_id", flat=True).first()
        if document_id is not None
        else None
    )
    return agency_id is not None and watermark_on(agency_id)


def _render_preview_image(user: Any, download: Download) -> Rendered | None:
    """A preview image link's bytes: the stored image, or with the watermark on, a copy
    stamped for ``user`` now (a WebP of at most 1600 px: read whole, in memory)."""
    if not _watermark_wanted(download):
        return None
    try:
        with get_storage().get(download.key, version_id=download.version_id) as reader:
            data = reader.read()
    except ObjectNotFound:
        raise DownloadNotFound() from None
    stamped = stamp_image(data, watermark_text(user))
    return Rendered(file=io.BytesIO(stamped), size=len(stamped), content_type="image/webp")


def watermarked_pdf(user: Any, download: Download) -> Rendered | None:
    """A PDF link's bytes: the stored PDF, or with the watermark on, a copy stamped for
    ``user`` now — through temporary files on disk, for PDFs up to WATERMARK_PDF_MAX_BYTES
    (``PdfTooLargeToWatermark`` beyond, ``PdfCannotBeWatermarked`` for locked or damaged
    ones)."""
    if download.content_type != PDF_TYPE or not _watermark_wanted(download):
        return None
    storage, limit = get_storage(), settings.WATERMARK_PDF_MAX_BYTES
    target = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, and so deletes it)
    try:
        if storage.stat(download.key, version_id=download.version_id).size > limit:
            raise PdfTooLargeToWatermark(limit_bytes=limit)
        with tempfile.TemporaryFile() as source:
            with storage.get(download.key, version_id=download.version_id) as reader:
                for chunk in reader:
                    source.write(chunk)
            source.seek(0)
            stamp_pdf(source, target, watermark_text(user))
    except ObjectNotFound:
        target.close()
        raise DownloadNotFound() from None
    except BaseException:
        target.close()
        raise
    size = target.tell()
    target.seek(0)
    return Rendered(file=target, size=size, content_type=PDF_TYPE)


@dataclass(frozen=True)
class PreviewState:
    """A version's preview as one viewer sees it, with links made for them."""

    status: str
    reason_code: str
    reason: str
    page_count: int | None
    thumbnail_url: str | None
    pages: list[tuple[int, str]]
    retryable: bool


def preview_get(*, actor: User, document_id: Any, version_id: Any) -> PreviewState:
    """The preview of a version the actor may view (``DocumentNotFound`` /
    ``VersionNotFound`` otherwise), with signed links for them to its thumbnail and page
    images when it is ready (DOWNLOAD_LINK_TTL seconds; each use checks their access
    again and, with the agency's watermark on, stamps the image for them). A version with
    no preview row yet (made before previews existed, or its task was never queued) gets
    one now and its task is queued: asking is what makes it."""
    version = _access_version(actor, document_id, version_id)
    preview = Preview.objects.filter(version=version).first()
    if preview is None:
        preview = preview_schedule(version=version)
    return _state(actor, version, preview)


def preview_make_again(*, actor: User, document_id: Any, version_id: Any) -> PreviewState:
    """Make the preview of a version the actor may view again, when it failed for a
    passing reason (``preview_retry``; ``PreviewNotRetryable`` otherwise): it is pending,
    and ``document_preview.update`` announces the result as for a new version."""
    version = _access_version(actor, document_id, version_id)
    preview = Preview.objects.filter(version=version).first()
    if preview is None:
        preview = preview_schedule(version=version)
    else:
        preview = preview_retry(preview=preview)
    return _state(actor, version, preview)


def _state(actor: User, version: Version, preview: Preview) -> PreviewState:
    thumbnail_url, pages = None, []
    if preview.status == Status.READY:
        stem = version.filename.rpartition(".")[0] or version.filename

        def link(key: str, name: str) -> str:
            return download_url(
                user=actor, key=key, filename=f"{stem} — {name}.webp",
                content_type="image/webp", purpose=PREVIEW_PURPOSE, object_id=_object_id(version),
            )  # fmt: skip

        if preview.thumbnail_key:
            thumbnail_url = link(preview.thumbnail_key, "thumbnail")
        pages = [(n, link(key, str(n))) for n, key in enumerate(preview.page_keys, start=1)]
    return PreviewState(
        status=preview.status,
        reason_code=preview.reason,
        reason=reason_text(preview.reason),
        page_count=preview.page_count,
        thumbnail_url=thumbnail_url,
        pages=pages,
        retryable=preview.status != Status.PENDING and preview.reason in RETRYABLE_REASONS,
    )


def version_pdf_url(*, actor: User, document_id: Any, version_id: Any) -> str:
    """A signed link for the actor to the version as PDF: a PDF version itself, or the PDF
    LibreOffice made of an office file (``PreviewNotReady`` while it is being made,
    ``PdfNotAvailable`` for other types and failed conversions). With the agency's
    watermark on, the link serves a copy stamped for the viewer on every page, and a PDF
    over WATERMARK_PDF_MAX_BYTES is refused here (``PdfTooLargeToWatermark``)."""
    version = _access_version(actor, document_id, version_id)
    if version.content_type == PDF_TYPE:
        key, stored_version, size = version.key, version.storage_version_id or None, version.size
    elif version.content_type in OFFICE_TYPES:
        preview = Preview.objects.filter(version=version).first()
        if preview is None or preview.status == Status.PENDING:
            raise PreviewNotReady()
        if not preview.pdf_key:
            raise PdfNotAvailable()
        key, stored_version = preview.pdf_key, None
        try:
            size = get_storage().stat(key).size
        except ObjectNotFound:
            raise PdfNotAvailable() from None
    else:
        raise PdfNotAvailable()
    limit = settings.WATERMARK_PDF_MAX_BYTES
    if size > limit and watermark_on(version.document.agency_id):
        raise PdfTooLargeToWatermark(limit_bytes=limit)
    stem = version.filename.rpartition(".")[0] or version.filename
    return download_url(
        user=actor, key=key, filename=f"{stem}.pdf", content_type=PDF_TYPE,
        purpose=PDF_PURPOSE, object_id=_object_id(version), version_id=stored_version,
    )  # fmt: skip


def register() -> None:
    """Declare the download purposes (DocumentsConfig.ready): preview images and PDFs,
    each checked against ``access_document`` and stamped when the policy says so."""
    register_download_check(PREVIEW_PURPOSE, _version_viewable, render=_render_preview_image)
    register_download_check(PDF_PURPOSE, _version_viewable, render=watermarked_pdf)
