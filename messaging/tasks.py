"""Background work of the messaging app."""

from celery import shared_task

from messaging.services import scheduled_messages_send_due
from messaging.services.attachments import attachment_thumbnail_make, attachments_purge
from messaging.services.notifications import email_digests_send


@shared_task
def send_scheduled_messages() -> int:
    """Send the scheduled messages that are due (celery beat runs this every 30 s)."""
    return scheduled_messages_send_due()


@shared_task
def send_email_digests() -> int:
    """E-mail digests of missed notifications (celery beat runs this every 10 minutes)."""
    return email_digests_send()


@shared_task
def make_thumbnail(attachment_id: str) -> bool:
    """Make the thumbnail of an image attachment (queued after its upload commits)."""
    return attachment_thumbnail_make(attachment_id=attachment_id)


@shared_task
def purge_attachments() -> int:
    """Delete unbound uploads older than a day and the attachments of deleted messages,
    with their stored objects (celery beat runs this every hour)."""
    return attachments_purge()
