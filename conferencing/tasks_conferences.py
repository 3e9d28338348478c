"""Periodic work of conferences (celery beat: ``remind-conferences``,
``expire-conference-guests``, ``expire-lost-conference-participants`` and
``end-overdue-conferences`` in portal/settings.py)."""

from __future__ import annotations

from celery import shared_task

from conferencing.services import (
    conference_reminders_send,
    conferences_end_overdue,
    guests_expire,
    participants_lost_expire,
)


@shared_task
def send_conference_reminders() -> int:
    return conference_reminders_send()


@shared_task
def expire_conference_guests() -> int:
    return guests_expire()


@shared_task
def expire_lost_participants() -> int:
    return participants_lost_expire()


@shared_task
def end_overdue_conferences() -> int:
    return conferences_end_overdue()
