"""Background work of the documents app."""

from celery import shared_task

from documents.services.uploads import uploads_expire


@shared_task
def expire_uploads() -> int:
    """Abort resumable uploads that had no part for a day, dropping their parts in
    storage (celery beat runs this every hour)."""
    return uploads_expire()
