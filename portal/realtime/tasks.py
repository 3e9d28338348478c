"""Periodic housekeeping of the event log."""

from __future__ import annotations

from celery import shared_task

from portal.realtime.services import event_log_prune


@shared_task
def prune_event_log() -> int:
    """Delete events older than EVENT_LOG_RETENTION_SECONDS (hourly, from celery beat)."""
    return event_log_prune()
