"""Previews of document versions: making them, and the agency's watermark policy
(docs/documents.md, "Previews and watermarks"). Serving them: ``previews_serving``.

Every new version (``documents.signals.version_created``) gets a ``Preview`` row in the
same transaction; after commit a Celery task (``documents.tasks.make_preview``) renders it:
images with Pillow, PDFs with PDFium, office files through LibreOffice into a PDF first.
The images are stored clean under ``document-previews/<document id>/<version id>/``;
viewers fetch them through signed per-viewer links (purpose ``document_preview``) that
check ``access_document`` again on every use and, when the agency's ``DocumentPolicy``
says so, carry a watermark with the viewer's name and the time, drawn as they are served.
PDFs (a PDF version, or an office file's conversion) are served the same way (purpose
``document_pdf``), stamped page by page.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from celery import signature
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from documents.events.previews import preview_event
from documents.exceptions import PreviewNotRetryable
from documents.models import DocumentPolicy, Preview, Version
from documents.previews_render import (
    PDF_TYPE,
    PreviewFailed,
    Rendering,
    convert_office,
    kind_of,
    render_image,
    render_pdf,
)
from documents.signals import version_created
from portal import clock, realtime
from portal.accounts.models import Agency, User
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.ids import as_uuid
from portal.storage import get_storage
from portal.storage.exceptions import ObjectNotFound

logger = logging.getLogger(__name__)

# The task's Celery limits: beyond LibreOffice's own timeout, time for the download, PDFium
# and the uploads. Past the soft limit the preview fails as too slow; past the hard one the
# worker process is killed and the preview is given up as interrupted.
TASK_SOFT_LIMIT = settings.OFFICE_CONVERT_TIMEOUT + 120
TASK_HARD_LIMIT = TASK_SOFT_LIMIT + 60
# A pending preview whose task has not started this long after being queued (the broker was
# down, the message lost) is queued again by the sweep.
REQUEUE_AFTER = dt.timedelta(minutes=10)

Status = Preview.Status

# Why a version has no preview: the code stored in ``Preview.reason``, the text shown.
REASONS: dict[str, Promise] = {
    "unsupported_type": _("Previews are not made for files of this type."),
    "libreoffice_missing": _("LibreOffice is not installed on the server."),
    "too_large": _("The file is too large for a preview."),
    "file_missing": _("The file is no longer in storage."),
    "image_damaged": _("The image is damaged or not an image."),
    "too_many_pixels": _("The image has too many pixels to be previewed safely."),
    "pdf_encrypted": _("The PDF is password-protected."),
    "pdf_damaged": _("The PDF is damaged."),
    "office_damaged": _("The file is damaged."),
    "office_unpacks_too_large": _("The file unpacks to too much data to be converted safely."),
    "office_timeout": _("LibreOffice took too long to convert the file."),
    "office_failed": _("LibreOffice could not convert the file."),
    "time_limit": _("Making the preview took too long."),
    "interrupted": _("Making the preview was interrupted."),
    "error": _("The preview could not be made."),
}
_STATUS_OF_REASON = {
    "unsupported_type": Status.UNSUPPORTED,
    "libreoffice_missing": Status.UNAVAILABLE,
}
# Reasons that may pass: asking again (``preview_retry``) makes the preview anew. The others
# are in the file itself (damaged, encrypted, too large) and would fail the same way.
RETRYABLE_REASONS = frozenset(
    {"libreoffice_missing", "office_timeout", "office_failed", "time_limit", "interrupted",
     "error"}
)  # fmt: skip


def reason_text(code: str) -> str:
    """The reason ``code`` in the active language ("" for none)."""
    return str(REASONS.get(code, REASONS["error"])) if code else ""


def _key(version: Version, name: str) -> str:
    return f"document-previews/{version.document_id}/{version.pk}/{name}"


# --- Making previews ---------------------------------------------------------------------------


def _new_preview(version: Version) -> Preview:
    """The preview row a version starts with: pending, or final at once for a type that
    gets none or a file over PREVIEW_MAX_BYTES."""
    preview = Preview(version=version, created_at=clock.now())
    if kind_of(version.content_type) is None:
        preview.status, preview.reason = Status.UNSUPPORTED, "unsupported_type"
    elif version.size > settings.PREVIEW_MAX_BYTES:
        preview.status, preview.reason = Status.FAILED, "too_large"
    if preview.status != Status.PENDING:
        preview.made_at = preview.created_at
    return preview


def _queue(version_id: Any) -> None:
    try:
        # Queued by name: tasks call services, never the other way round (apps.py loads
        # the task module). Not retried: with the broker down the version still stands,
        # its preview pending until the sweep queues it again.
        signature("documents.tasks.make_preview", args=[str(version_id)]).apply_async(retry=False)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # embedded mode runs the task here: its failure is a bug, not an outage
        logger.warning("could not queue the preview of version %s", version_id)


def preview_schedule(*, version: Version) -> Preview:
    """Give ``version`` its preview row (once; later calls return the row) and, when there
    is something to render, queue the task after the current transaction commits (at once
    outside one). Types without previews and files over PREVIEW_MAX_BYTES are final at
    once, with no task."""
    existing = Preview.objects.filter(version=version).first()
    if existing is not None:
        return existing
    preview = _new_preview(version)
    try:
        with transaction.atomic():
            preview.save(force_insert=True)
    except IntegrityError:
        return Preview.objects.get(version=version)  # made meanwhile by another request
    if preview.status == Status.PENDING:
        _queue_on_commit(preview)
    return preview


def preview_retry(*, preview: Preview) -> Preview:
    """Make a preview again that failed for a passing reason (``RETRYABLE_REASONS``): it is
    pending once more and its task is queued after commit; ``PreviewNotRetryable`` for any
    other state (a pending preview is not queued twice). Precondition: the caller checked
    the actor may view the version."""
    with transaction.atomic():
        locked = Preview.objects.select_for_update().get(pk=preview.pk)
        if locked.status == Status.PENDING or locked.reason not in RETRYABLE_REASONS:
            raise PreviewNotRetryable(reason_code=locked.reason)
        locked.status, locked.reason = Status.PENDING, ""
        locked.started_at = locked.made_at = None
        locked.save(update_fields=["status", "reason", "started_at", "made_at"])
        _queue_on_commit(locked)
    return locked


def _queue_on_commit(preview: Preview) -> None:
    Preview.objects.filter(pk=preview.pk).update(queued_at=clock.now())
    version_id = preview.version_id
    # robust: a broker outage must not undo the version that was just written.
    transaction.on_commit(lambda: _queue(version_id), robust=True)


def _version_created(sender: Any, *, version: Version, **kwargs: Any) -> None:
    preview_schedule(version=version)


def _claim(version_id: Any) -> tuple[Preview, Version, bool] | None:
    """Lock the version's pending preview and mark it started; None when there is nothing
    to do (no such version, or the preview is final). The flag says it had been started
    already: by a task that died (killed for time or memory), which must not be tried
    again and again."""
    pk = as_uuid(version_id)
    if pk is None:
        return None
    with transaction.atomic():
        version = Version.objects.select_related("document__folder").filter(pk=pk).first()
        if version is None:
            return None
        preview = Preview.objects.select_for_update().filter(version=version).first()
        if preview is None:
            preview = _new_preview(version)
            preview.save(force_insert=True)
        if preview.status != Status.PENDING:
            return None
        if preview.started_at is not None:
            return preview, version, True
        preview.started_at = clock.now()
        preview.save(update_fields=["started_at"])
    return preview, version, False


def _download(version: Version, target: IO[bytes]) -> None:
    with get_storage().get(version.key, version_id=version.storage_version_id or None) as reader:
        for chunk in reader:
            target.write(chunk)


def _render(version: Version, workdir: Path) -> Rendering:
    source = workdir / "source"
    try:
        with source.open("wb") as copy:
            _download(version, copy)
    except ObjectNotFound:
        raise PreviewFailed("file_missing") from None
    kind = kind_of(version.content_type)
    pages = settings.PREVIEW_PDF_PAGES
    if kind == "image":
        return render_image(source, version.content_type)
    if kind == "pdf":
        return render_pdf(source, pages=pages)
    if kind == "office":
        pdf = convert_office(source, workdir, content_type=version.content_type)
        rendering = render_pdf(pdf, pages=pages)
        rendering.pdf_path = pdf
        return rendering
    raise PreviewFailed("unsupported_type")


def _store(version: Version, rendering: Rendering) -> dict[str, Any]:
    """Write the rendering's objects; the Preview fields that name them."""
    storage = get_storage()
    written: list[str] = []
    try:
        thumbnail = _key(version, "thumbnail.webp")
        storage.put(thumbnail, io.BytesIO(rendering.thumbnail), length=len(rendering.thumbnail),
                    content_type="image/webp")  # fmt: skip
        written.append(thumbnail)
        for number, data in enumerate(rendering.pages, start=1):
            key = _key(version, f"page-{number}.webp")
            storage.put(key, io.BytesIO(data), length=len(data), content_type="image/webp")
            written.append(key)
        pdf_key = ""
        if rendering.pdf_path is not None:
            pdf_key = _key(version, "document.pdf")
            with rendering.pdf_path.open("rb") as pdf:
                size = rendering.pdf_path.stat().st_size
                storage.put(pdf_key, pdf, length=size, content_type=PDF_TYPE)
            written.append(pdf_key)
    except BaseException:
        _delete_objects(written)
        raise
    return {
        "thumbnail_key": thumbnail,
        "page_keys": written[1 : 1 + len(rendering.pages)],
        "pdf_key": pdf_key,
        "page_count": rendering.page_count,
    }


def _delete_objects(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:
            # Only wasted space: the row that named the object is gone or never was.
            logger.exception("could not delete preview object %s", key)


def _finish(preview: Preview, version: Version, *, reason: str = "", **fields: Any) -> str | None:
    """Make the preview final (ready with ``fields``, or failed, unsupported or unavailable
    by ``reason``) and tell everyone who sees the document; None when the version was
    deleted meanwhile (its new objects are deleted too)."""
    status = _STATUS_OF_REASON.get(reason, Status.FAILED) if reason else Status.READY
    with transaction.atomic():
        updated = Preview.objects.filter(pk=preview.pk, status=Status.PENDING).update(
            status=status, reason=reason, made_at=clock.now(), **fields
        )
        if not updated:
            _delete_objects([k for k in [fields.get("thumbnail_key"), fields.get("pdf_key")] if k])
            _delete_objects(fields.get("page_keys", []))
            return None
        preview.status = status
        document = version.document
        if document.deleted_at is None:
            payload, recipients = preview_event(preview, document=document)
            realtime.publish(payload, user_ids=recipients)
    return status


def preview_make(*, version_id: Any) -> str | None:
    """Render and store the preview of a version whose preview is pending, and publish
    ``document_preview.update`` to everyone who sees its document; returns the final
    status (None: nothing was to be done). Whatever the file holds, it ends ready,
    failed, unsupported or unavailable with a reason — never an exception, never a retry
    loop (see ``_claim``). Running it again for a final preview does nothing."""
    claimed = _claim(version_id)
    if claimed is None:
        return None
    preview, version, interrupted = claimed
    if interrupted:
        return _finish(preview, version, reason="interrupted")
    workdir = Path(tempfile.mkdtemp(prefix="portal-preview-"))
    try:
        rendering = _render(version, workdir)
        fields = _store(version, rendering)
    except PreviewFailed as failed:
        return _finish(preview, version, reason=failed.reason)
    except SoftTimeLimitExceeded:
        return _finish(preview, version, reason="time_limit")
    except Exception:
        logger.exception("the preview of version %s could not be made", version.pk)
        return _finish(preview, version, reason="error")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _finish(preview, version, **fields)


def previews_sweep(*, limit: int = 100) -> int:
    """Celery beat's round (every 10 minutes): queue again the pending previews whose task
    was queued over REQUEUE_AFTER ago and never started (the broker lost it), and give up
    as ``interrupted`` on those started longer ago than the task's hard time limit (its
    worker was killed and the task will not come back). At most ``limit`` of each per
    round. Returns how many previews it touched."""
    now = clock.now()
    touched = 0
    lost = Preview.objects.filter(
        status=Status.PENDING, started_at__isnull=True, queued_at__lt=now - REQUEUE_AFTER
    ).values_list("pk", flat=True)[:limit]
    for pk in list(lost):
        with transaction.atomic():
            preview = (
                Preview.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Status.PENDING, started_at__isnull=True)
                .first()
            )
            if preview is not None:
                _queue_on_commit(preview)
                touched += 1
    dead = Preview.objects.filter(
        status=Status.PENDING,
        started_at__lt=now - dt.timedelta(seconds=TASK_HARD_LIMIT) - REQUEUE_AFTER,
    ).select_related("version__document__folder")[:limit]
    for preview in list(dead):
        if _finish(preview, preview.version, reason="interrupted") is not None:
            touched += 1
    return touched


def _preview_deleted(sender: Any, *, instance: Preview, **kwargs: Any) -> None:
    keys = [k for k in [instance.thumbnail_key, instance.pdf_key, *instance.page_keys] if k]
    if keys:
        transaction.on_commit(lambda: _delete_objects(keys))


# --- The agency's policy -----------------------------------------------------------------------


def watermark_on(agency_id: Any) -> bool:
    """Whether the agency's policy puts the viewer's watermark on previews and PDFs."""
    return DocumentPolicy.objects.filter(agency_id=agency_id, watermark=True).exists()


def document_policy_set(
    *, actor: User, agency: Agency, watermark: bool, context: RequestContext
) -> DocumentPolicy:
    """Set the agency's document policy (Django admin calls this): the row is created on
    first use; the change is audited as ``document_policy.changed`` in the same
    transaction. Takes effect on the next preview or PDF served: links already handed out
    are stamped, or not, by the policy when they are used."""
    with transaction.atomic():
        policy = DocumentPolicy.objects.select_for_update().filter(agency=agency).first()
        before = policy.watermark if policy is not None else False
        if policy is None:
            policy = DocumentPolicy(agency=agency)
        policy.watermark = watermark
        policy.updated_at = clock.now()
        policy.save()
        audit.record(
            "document_policy.changed", actor=actor, context=context, target=policy,
            details={"watermark": watermark, "watermark_before": before},
        )  # fmt: skip
    return policy


def register() -> None:
    """Connect the previews part (DocumentsConfig.ready): new versions get previews and
    deleted previews lose their objects."""
    version_created.connect(_version_created, dispatch_uid="documents.previews")
    post_delete.connect(_preview_deleted, sender=Preview, dispatch_uid="documents.previews")
