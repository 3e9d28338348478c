"""Scheduled messages: sent by the Celery task when due, cancellable, re-checked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from messaging.models import ScheduledMessage
from messaging.tasks import send_scheduled_messages
from portal import clock
from tests.helpers import outside_a_request
from tests.helpers.api import assert_api_error

# The Celery task sends them with no request around it: on PostgreSQL, as in production.
pytestmark = outside_a_request


def _schedule(client, conversation_id, when, client_id="s-1", body="Напоминание: совещание"):
    return client.post(
        f"/api/v1/conversations/{conversation_id}/scheduled",
        {"client_id": client_id, "body": body, "send_at": when.isoformat()},
        format="json",
    )


def test_sent_when_due_exactly_once(chat):
    start = timezone.now()
    response = _schedule(chat.c["alice"], chat.id, start + dt.timedelta(hours=1))
    assert response.status_code == 201, response.content
    assert _schedule(chat.c["alice"], chat.id, start + dt.timedelta(hours=1)).status_code == 200
    with clock.frozen(start + dt.timedelta(minutes=30)):
        assert send_scheduled_messages() == 0
    with clock.frozen(start + dt.timedelta(hours=1, seconds=5)):
        assert send_scheduled_messages() == 1
        assert send_scheduled_messages() == 0
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.state == "sent"
    assert scheduled.message is not None
    assert scheduled.message.body == "Напоминание: совещание"


def test_cancel(chat):
    start = timezone.now()
    scheduled = _schedule(chat.c["alice"], chat.id, start + dt.timedelta(hours=1)).json()
    assert_api_error(chat.c["bob"].delete(f"/api/v1/scheduled-messages/{scheduled['id']}"), 404,
                     "scheduled_message_not_found")  # fmt: skip
    assert (
        chat.c["alice"].delete(f"/api/v1/scheduled-messages/{scheduled['id']}").status_code == 204
    )
    with clock.frozen(start + dt.timedelta(hours=2)):
        assert send_scheduled_messages() == 0
    listed = chat.c["alice"].get(f"/api/v1/conversations/{chat.id}/scheduled").json()["results"]
    assert [s["state"] for s in listed] == ["cancelled"]


def test_author_who_left_cannot_have_it_sent(chat):
    start = timezone.now()
    _schedule(chat.c["bob"], chat.id, start + dt.timedelta(hours=1))
    chat.c["owner"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}")
    with clock.frozen(start + dt.timedelta(hours=2)):
        assert send_scheduled_messages() == 0
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.state == "failed" and scheduled.error == "conversation_not_found"


@pytest.mark.parametrize("offset", [dt.timedelta(minutes=-1), dt.timedelta(days=400)])
def test_time_must_be_in_the_future_within_a_year(chat, offset):
    response = _schedule(chat.c["alice"], chat.id, timezone.now() + offset)
    assert_api_error(response, 400, "invalid_schedule")


def test_outsider_cannot_schedule(chat):
    response = _schedule(chat.c["outsider"], chat.id, timezone.now() + dt.timedelta(hours=1))
    assert_api_error(response, 404, "conversation_not_found")
