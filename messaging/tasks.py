"""Background work of the messaging app."""

from celery import shared_task

from messaging.services import scheduled_messages_send_due


@shared_task
def send_scheduled_messages() -> int:
    """Send the scheduled messages that are due (celery beat runs this every 30 s)."""
    return scheduled_messages_send_due()
