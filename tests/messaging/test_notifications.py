"""Notifications for users with no connected device, and the e-mail digest."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import redis.connection
from django.core import mail
from django.utils import timezone

from messaging import presence
from messaging.models import Notification
from messaging.services.notifications import email_digests_send
from portal import clock
from portal.db import in_transaction
from tests.factories.accounts import UserFactory
from tests.helpers import outside_a_request
from tests.helpers.api import api_client, assert_api_error

# Committed for real: notifications are made after the sending transaction commits
# (transaction.on_commit), which the rolled-back transaction of a plain db test never does.
pytestmark = pytest.mark.django_db(transaction=True)


def _direct(chat, sender, receiver):
    return chat.c[sender].post(
        "/api/v1/conversations/direct", {"user_id": str(getattr(chat, receiver).pk)},
        format="json",
    ).json()  # fmt: skip


def _post(client, conversation_id, body="Срочно", **extra):
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"client_id": str(uuid.uuid4()), "body": body, **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_direct_message_to_an_offline_user_is_a_notification(chat):
    direct = _direct(chat, "alice", "bob")
    _post(chat.c["alice"], direct["id"])
    listed = chat.c["bob"].get("/api/v1/notifications").json()["results"]
    assert [n["kind"] for n in listed] == ["direct"]
    assert listed[0]["message"]["body"] == "Срочно" and listed[0]["read"] is False
    assert chat.c["alice"].get("/api/v1/notifications").json()["results"] == []


def test_connected_users_get_no_notification(chat):
    direct = _direct(chat, "alice", "bob")
    presence.presence_report(chat.bob.pk, "socket-1", "online")
    try:
        _post(chat.c["alice"], direct["id"])
    finally:
        presence.presence_leave(chat.bob.pk, "socket-1")
    assert not Notification.objects.filter(user=chat.bob).exists()


def test_mentions_notify_even_in_a_muted_conversation(chat):
    chat.c["bob"].patch(
        f"/api/v1/conversations/{chat.id}/settings",
        {"muted_until": "2099-01-01T00:00:00Z"},
        format="json",
    )
    _post(chat.c["alice"], chat.id, mentions={"users": [str(chat.bob.pk)]})
    _post(chat.c["alice"], chat.id, body="Без упоминания")
    kinds = [n.kind for n in Notification.objects.filter(user=chat.bob)]
    assert kinds == ["mention"]
    assert not Notification.objects.filter(user=chat.owner).exists()


def test_marking_read(chat):
    direct = _direct(chat, "alice", "bob")
    for _ in range(3):
        _post(chat.c["alice"], direct["id"])
    ids = [n["id"] for n in chat.c["bob"].get("/api/v1/notifications").json()["results"]]
    # someone else's ids mark nothing
    assert chat.c["owner"].post(
        "/api/v1/notifications/read", {"ids": ids}, format="json"
    ).json() == {"marked": 0}
    assert chat.c["bob"].post(
        "/api/v1/notifications/read", {"ids": ids[:1]}, format="json"
    ).json() == {"marked": 1}
    unread = chat.c["bob"].get("/api/v1/notifications", {"unread": "true"}).json()["results"]
    assert len(unread) == 2
    assert chat.c["bob"].post(
        "/api/v1/notifications/read", {"all": True}, format="json"
    ).json() == {"marked": 2}
    assert_api_error(chat.c["bob"].post("/api/v1/notifications/read", {}, format="json"), 400,
                     "invalid")  # fmt: skip


@outside_a_request
def test_email_digest_is_opt_in_and_sent_once(chat, settings):
    settings.EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    chat.bob.email = "bob@agency.example"
    chat.bob.save()
    direct = _direct(chat, "alice", "bob")
    _post(chat.c["alice"], direct["id"], body="Секретный текст")
    later = timezone.now() + dt.timedelta(minutes=11)
    with clock.frozen(later):
        assert email_digests_send() == 0  # not asked for
    response = chat.c["bob"].patch(
        "/api/v1/notifications/settings", {"email_digest": True}, format="json"
    )
    assert response.json() == {"email_digest": True}
    with clock.frozen(timezone.now() + dt.timedelta(minutes=2)):
        assert email_digests_send() == 0  # too fresh: may still be read in the app
    with clock.frozen(later):
        assert email_digests_send() == 1
        assert email_digests_send() == 0
    [message] = mail.outbox
    assert message.to == ["bob@agency.example"]
    assert "Секретный текст" not in message.body  # content stays inside Portal
    assert "1" in message.subject


@outside_a_request
def test_digest_does_nothing_without_smtp(chat, settings):
    settings.EMAIL_ENABLED = False
    assert email_digests_send() == 0


def test_the_list_leaves_out_hidden_messages_and_conversations_left(chat):
    mention = {"users": [str(chat.bob.pk)]}
    hidden = _post(chat.c["alice"], chat.id, body="Скрою", mentions=mention)
    _post(chat.c["alice"], chat.id, body="Оставлю", mentions=mention)
    assert chat.c["bob"].post(f"/api/v1/messages/{hidden['id']}/hide").status_code == 204
    listed = chat.c["bob"].get("/api/v1/notifications").json()["results"]
    assert [n["message"]["body"] for n in listed] == ["Оставлю"]
    removed = chat.c["owner"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}")
    assert removed.status_code in (200, 204), removed.content
    assert chat.c["bob"].get("/api/v1/notifications").json()["results"] == []


def test_the_list_costs_the_same_queries_for_one_or_many(chat, django_assert_max_num_queries):
    for n in range(6):
        _post(chat.c["alice"], chat.id, body=f"№{n}", mentions={"users": [str(chat.bob.pk)]})
    # Authentication and policy 2, the page 1, reactions, votes and attachments 3.
    with django_assert_max_num_queries(8):
        listed = chat.c["bob"].get("/api/v1/notifications").json()["results"]
    assert len(listed) == 6


def _redis_round_trips(monkeypatch):
    """Every command or pipeline this process sends to Redis, each recorded with whether a
    transaction was open when it went (so a lock may have been held while it waited)."""
    sent: list[bool] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        sent.append(in_transaction())
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        send_packed_command)  # fmt: skip
    return sent


def test_mentioning_50_members_asks_redis_once_after_commit(chat, monkeypatch):
    team = UserFactory.create_batch(50, agency=chat.owner.agency)
    group = chat.c["owner"].post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Все отделы", "member_ids": [str(u.pk) for u in team]},
        format="json",
    ).json()  # fmt: skip
    online = team[:3]
    for user in online:
        presence.presence_report(user.pk, f"socket-{user.pk}", "online")
    client = api_client(chat.owner)
    _post(client, group["id"], body="Разогрев")  # sign-in and throttle state settle first
    sent = _redis_round_trips(monkeypatch)
    try:
        _post(client, group["id"], mentions={"users": [str(u.pk) for u in team[:5]]})
        few = len(sent)
        _post(client, group["id"], mentions={"users": [str(u.pk) for u in team]})
        many = len(sent) - few
    finally:
        for user in online:
            presence.presence_leave(user.pk, f"socket-{user.pk}")
    assert few == many, (few, many)
    assert not any(sent), "Redis was asked while the conversation row was locked"
    notified = Notification.objects.filter(conversation_id=group["id"], kind="mention")
    assert notified.count() == 2 + 47  # the connected ones are told by the event itself
    assert not notified.filter(user__in=online).exists()


def test_with_redis_down_everyone_counts_as_offline(chat, monkeypatch):
    from portal.cache import redis_guard

    monkeypatch.setattr(redis_guard, "available", lambda: False)
    _post(chat.c["alice"], chat.id, mentions={"users": [str(chat.bob.pk), str(chat.owner.pk)]})
    assert set(Notification.objects.values_list("user__login", flat=True)) == {"bob", "owner"}
