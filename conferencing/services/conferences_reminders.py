"""Reminders before a conference starts (sent by the beat sweep, tasks_conferences.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from conferencing import events_conferences as events
from conferencing.models import Conference
from conferencing.services.conferences import send
from portal import clock

BATCH = 100


def conference_reminders_send() -> int:
    """Remind the invitees, organizer and moderators of every conference starting within
    CONFERENCE_REMINDER_MINUTES that has not started, ended or been reminded: once each
    (``reminded_at`` is set in the same transaction as the event, rows locked SKIP LOCKED
    so two sweeps never remind twice). Answers how many conferences were reminded."""
    now = clock.now()
    horizon = now + dt.timedelta(minutes=settings.CONFERENCE_REMINDER_MINUTES)
    with transaction.atomic():
        due = list(
            Conference.objects.select_for_update(skip_locked=True)
            .filter(
                reminded_at__isnull=True,
                ended_at__isnull=True,
                started_at__isnull=True,
                starts_at__gt=now - dt.timedelta(minutes=1),
                starts_at__lte=horizon,
            )
            .order_by("starts_at")[:BATCH]
        )
        for conference in due:
            conference.reminded_at = now
            conference.save(update_fields=["reminded_at"])
            recipients = {
                conference.organizer_id,
                *conference.moderators.values_list("pk", flat=True),
                *conference.invitees.values_list("user_id", flat=True),
            }
            send(events.reminder_event(conference, recipients=recipients))
    return len(due)
