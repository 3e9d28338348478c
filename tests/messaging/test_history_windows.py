"""History windows that do not end at the newest message: paging forward with
``?after=<seq>`` and the window around one message (``?around=<id>``), which the clients
use to jump to the first unread message or to a search result."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from messaging import services
from tests.helpers.api import assert_api_error
from tests.messaging.conftest import send

pytestmark = pytest.mark.django_db


def _fill(chat, n):
    return [send(chat.c["alice"], chat.id, f"Сообщение {i}").json() for i in range(n)]


def test_after_pages_forward_oldest_first(chat):
    sent = _fill(chat, 6)
    url = f"/api/v1/conversations/{chat.id}/messages"
    first = chat.c["bob"].get(url, {"after": sent[0]["seq"], "limit": 3}).json()
    assert [m["body"] for m in first["results"]] == ["Сообщение 1", "Сообщение 2", "Сообщение 3"]
    assert first["next"] == str(sent[3]["seq"]) and first["previous"] is None
    rest = chat.c["bob"].get(url, {"after": first["next"], "limit": 3}).json()
    assert [m["body"] for m in rest["results"]] == ["Сообщение 4", "Сообщение 5"]
    assert rest["next"] is None


def test_after_skips_thread_replies_and_hidden_messages(chat):
    sent = _fill(chat, 3)
    url = f"/api/v1/conversations/{chat.id}/messages"
    reply = chat.c["bob"].post(
        url, {"client_id": str(uuid.uuid4()), "body": "В ветке", "thread_root": sent[0]["id"]},
        format="json",
    )  # fmt: skip
    assert reply.status_code == 201
    services.message_hide(actor=chat.bob, message_id=sent[1]["id"], hidden=True)
    page = chat.c["bob"].get(url, {"after": sent[0]["seq"]}).json()
    assert [m["body"] for m in page["results"]] == ["Сообщение 2"]


def test_around_centres_on_the_message_newest_first(chat):
    sent = _fill(chat, 9)
    url = f"/api/v1/conversations/{chat.id}/messages"
    page = chat.c["bob"].get(url, {"around": sent[4]["id"], "limit": 4}).json()
    assert [m["body"] for m in page["results"]] == [
        "Сообщение 6", "Сообщение 5", "Сообщение 4", "Сообщение 3",
    ]  # fmt: skip
    assert page["next"] == str(sent[3]["seq"])  # older: ?cursor=
    assert page["previous"] == str(sent[6]["seq"])  # newer: ?after=
    older = chat.c["bob"].get(url, {"cursor": page["next"], "limit": 2}).json()
    assert [m["body"] for m in older["results"]] == ["Сообщение 2", "Сообщение 1"]
    newer = chat.c["bob"].get(url, {"after": page["previous"], "limit": 5}).json()
    assert [m["body"] for m in newer["results"]] == ["Сообщение 7", "Сообщение 8"]


def test_around_the_newest_message_says_nothing_is_newer(chat):
    sent = _fill(chat, 3)
    url = f"/api/v1/conversations/{chat.id}/messages"
    page = chat.c["bob"].get(url, {"around": sent[-1]["id"], "limit": 10}).json()
    assert page["results"][0]["id"] == sent[-1]["id"]
    assert page["previous"] is None and page["next"] is None


def test_around_a_thread_reply_is_around_its_root(chat):
    sent = _fill(chat, 3)
    url = f"/api/v1/conversations/{chat.id}/messages"
    reply = chat.c["bob"].post(
        url, {"client_id": str(uuid.uuid4()), "body": "В ветке", "thread_root": sent[1]["id"]},
        format="json",
    ).json()  # fmt: skip
    page = chat.c["bob"].get(url, {"around": reply["id"], "limit": 2}).json()
    assert [m["id"] for m in page["results"]] == [sent[2]["id"], sent[1]["id"]]


def test_bad_values_are_400(chat):
    sent = _fill(chat, 1)
    url = f"/api/v1/conversations/{chat.id}/messages"
    bob = chat.c["bob"]
    for after in ("x", "-1", "1.5", "9" * 40, ""):
        assert_api_error(bob.get(url, {"after": after}), 400, "invalid")
    for around in ("x", "", "123"):
        assert_api_error(bob.get(url, {"around": around}), 400, "invalid")
    both = bob.get(url, {"after": "1", "cursor": "5"})
    assert_api_error(both, 400, "invalid")
    assert set(both.json()["error"]["details"]) == {"after", "cursor"}
    assert_api_error(bob.get(url, {"around": sent[0]["id"], "limit": "0"}), 400, "invalid")


def test_outsiders_and_foreign_messages_are_404(chat):
    sent = _fill(chat, 2)
    url = f"/api/v1/conversations/{chat.id}/messages"
    outsider = chat.c["outsider"]
    assert_api_error(outsider.get(url, {"after": "0"}), 404, "conversation_not_found")
    assert_api_error(outsider.get(url, {"around": sent[0]["id"]}), 404, "conversation_not_found")
    assert_api_error(
        chat.c["bob"].get(url, {"around": str(uuid.uuid4())}), 404, "message_not_found"
    )
    # A message of another conversation is not found here, though bob can read it there.
    other = (
        chat.c["bob"]
        .post(
            "/api/v1/conversations",
            {"kind": "group", "title": "Другая", "member_ids": [str(chat.alice.pk)]},
            format="json",
        )
        .json()
    )
    elsewhere = send(chat.c["bob"], other["id"], "Там").json()
    assert_api_error(chat.c["bob"].get(url, {"around": elsewhere["id"]}), 404, "message_not_found")
    assert APIClient().get(url, {"after": "0"}).status_code == 401


def test_pins_list_the_latest_pin_first(chat):
    sent = _fill(chat, 3)
    for message in (sent[2], sent[0]):
        assert chat.c["owner"].post(f"/api/v1/messages/{message['id']}/pin").status_code == 204
    url = f"/api/v1/conversations/{chat.id}/pins"
    page = chat.c["bob"].get(url).json()
    assert [m["id"] for m in page["results"]] == [sent[0]["id"], sent[2]["id"]]
    assert page["next"] is None and page["previous"] is None
    services.message_hide(actor=chat.bob, message_id=sent[0]["id"], hidden=True)
    assert [m["id"] for m in chat.c["bob"].get(url).json()["results"]] == [sent[2]["id"]]
    assert chat.c["owner"].delete(f"/api/v1/messages/{sent[2]['id']}/pin").status_code == 204
    assert chat.c["alice"].get(url).json()["results"] == [
        chat.c["alice"]
        .get(f"/api/v1/conversations/{chat.id}/messages", {"around": sent[0]["id"], "limit": 1})
        .json()["results"][0]
    ]


def test_pins_are_404_for_outsiders(chat):
    url = f"/api/v1/conversations/{chat.id}/pins"
    assert_api_error(chat.c["outsider"].get(url), 404, "conversation_not_found")
    assert_api_error(
        chat.c["bob"].get(f"/api/v1/conversations/{uuid.uuid4()}/pins"),
        404,
        "conversation_not_found",
    )
    assert APIClient().get(url).status_code == 401
