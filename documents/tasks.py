"""Background work of the documents app."""

from celery import shared_task
from django.conf import settings

from documents.services.previews import preview_make

# Beyond LibreOffice's own timeout, time for the download, PDFium and the uploads. Past the
# soft limit the preview fails as too slow; past the hard one the worker process is killed,
# and a later delivery of the task marks the preview interrupted (never a retry loop).
_PREVIEW_SOFT_LIMIT = settings.OFFICE_CONVERT_TIMEOUT + 120


@shared_task(soft_time_limit=_PREVIEW_SOFT_LIMIT, time_limit=_PREVIEW_SOFT_LIMIT + 60)
def make_preview(version_id: str) -> str | None:
    """Make the preview of a version (queued after the version's transaction commits)."""
    return preview_make(version_id=version_id)
