"""Background work of the approval workflow."""

from celery import shared_task

from documents.services.approval import approval_deadlines_check


@shared_task
def check_approval_deadlines() -> dict[str, int]:
    """Send due reminders and escalations (celery beat runs this every 5 minutes)."""
    return approval_deadlines_check()
