"""Background work of the documents app."""

from celery import shared_task

from documents.services.orphans import orphans_sweep
from documents.services.previews import (
    TASK_HARD_LIMIT,
    TASK_SOFT_LIMIT,
    preview_make,
    previews_sweep,
)
from documents.services.uploads import uploads_expire


@shared_task(soft_time_limit=TASK_SOFT_LIMIT, time_limit=TASK_HARD_LIMIT)
def make_preview(version_id: str) -> str | None:
    """Make the preview of a version (queued after the version's transaction commits)."""
    return preview_make(version_id=version_id)


@shared_task
def sweep_previews() -> int:
    """Queue again previews whose task was lost, give up on those whose worker died
    (celery beat runs this every 10 minutes)."""
    return previews_sweep()


@shared_task
def expire_uploads() -> int:
    """Abort resumable uploads that had no part for a day, dropping their parts in
    storage (celery beat runs this every hour)."""
    return uploads_expire()


@shared_task
def sweep_orphans() -> int:
    """Delete the objects written for versions whose transaction rolled back, past the
    grace period (celery beat runs this every hour)."""
    return orphans_sweep()
