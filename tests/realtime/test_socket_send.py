"""``message.send`` over the socket (docs/realtime.md, "Sending over the socket"): the REST
send's validation, idempotency, access rules and rate limit, answered with ``ack`` or an
error frame carrying the ``ref``; the socket stays usable after every refusal."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from messaging.api.views import MessageSendThrottle
from messaging.models import Message
from messaging.services import conversation_create
from portal.asgi import application
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, sign_in
from tests.realtime.test_consumer import closed_with, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(db):
    owner, member, outsider = (UserFactory.create() for _ in range(3))
    conversation = conversation_create(
        actor=owner, kind="group", title="Совещание", member_ids=[member.pk]
    )
    return conversation, owner, member, outsider


def _send_frame(conversation_id: Any, *, ref: str = "r1", **body: Any) -> dict[str, Any]:
    return {
        "type": "message.send", "ref": ref, "conversation_id": str(conversation_id),
        "client_id": body.pop("client_id", str(uuid.uuid4())), "body": "Привет", **body,
    }  # fmt: skip


async def _answer(comm: WebsocketCommunicator) -> dict[str, Any]:
    """The next ack or error frame (events for the new message may come first)."""
    while True:
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] in ("ack", "error"):
            return frame


async def _still_open(comm: WebsocketCommunicator) -> None:
    await comm.send_json_to({"type": "ping"})
    while (await comm.receive_json_from(timeout=5))["type"] != "pong":
        pass


async def test_a_send_is_acknowledged_with_the_message_and_delivered_as_an_event(group):
    conversation, owner, member, _ = group
    _, mine = await sync_to_async(sign_in)(owner)
    _, theirs = await sync_to_async(sign_in)(member)
    async with open_socket(mine.access_token) as sender, open_socket(theirs.access_token) as reader:
        await sender.send_json_to(_send_frame(conversation.pk, ref="a-1", body="Отчёт готов"))
        ack = await _answer(sender)
        assert ack["type"] == "ack" and ack["ref"] == "a-1" and ack["status"] == 201
        assert ack["result"]["body"] == "Отчёт готов"
        assert ack["result"]["author_id"] == str(owner.pk)
        event = await reader.receive_json_from(timeout=5)
        assert event["event"]["type"] == "message" and event["event"]["op"] == "add"
        assert event["event"]["message"]["id"] == ack["result"]["id"]
        # The REST answer for the same message is the same body.
        rest = await sync_to_async(
            lambda: api_client(owner).get(f"/api/v1/conversations/{conversation.pk}/messages")
        )()
        assert rest.json()["results"][0] == ack["result"]


async def test_a_repeated_client_id_returns_the_first_message_and_creates_nothing(group):
    conversation, owner, _, _ = group
    _, issued = await sync_to_async(sign_in)(owner)
    async with open_socket(issued.access_token) as comm:
        frame = _send_frame(conversation.pk, client_id="c-42")
        await comm.send_json_to(frame)
        first = await _answer(comm)
        await comm.send_json_to({**frame, "ref": "r2", "body": "другой текст"})
        again = await _answer(comm)
    assert (first["status"], again["status"]) == (201, 200)
    assert again["ref"] == "r2" and again["result"]["id"] == first["result"]["id"]
    assert await sync_to_async(Message.objects.filter(client_id="c-42").count)() == 1


async def test_a_client_id_used_in_another_conversation_is_refused(group):
    conversation, owner, member, _ = group
    other = await sync_to_async(conversation_create)(
        actor=owner, kind="group", title="Другая", member_ids=[member.pk]
    )
    _, issued = await sync_to_async(sign_in)(owner)
    async with open_socket(issued.access_token) as comm:
        await comm.send_json_to(_send_frame(conversation.pk, client_id="same"))
        assert (await _answer(comm))["status"] == 201
        await comm.send_json_to(_send_frame(other.pk, client_id="same", ref="r2"))
        refused = await _answer(comm)
        await _still_open(comm)
    assert (refused["type"], refused["ref"], refused["status"]) == ("error", "r2", 400)
    assert refused["error"]["code"] == "invalid_message"
    assert await sync_to_async(Message.objects.filter(conversation=other).count)() == 1


@pytest.mark.parametrize("where", ["not a member", "no such conversation", "not an id"])
async def test_a_send_to_a_conversation_one_is_not_in_gets_the_rest_404(group, where):
    conversation, _, _, outsider = group
    target = {"not a member": conversation.pk, "no such conversation": uuid.uuid4(),
              "not an id": "12345"}[where]  # fmt: skip
    rest = await sync_to_async(
        lambda: api_client(outsider).post(
            f"/api/v1/conversations/{conversation.pk}/messages",
            {"client_id": "x", "body": "Привет"}, format="json",
        )
    )()  # fmt: skip
    _, issued = await sync_to_async(sign_in)(outsider)
    before = await sync_to_async(Message.objects.count)()
    async with open_socket(issued.access_token) as comm:
        await comm.send_json_to(_send_frame(target))
        refused = await _answer(comm)
        await _still_open(comm)
    assert (refused["type"], refused["status"]) == ("error", 404)
    assert {"error": refused["error"]} == rest.json()  # the same body, nothing learned
    assert await sync_to_async(Message.objects.count)() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": "   "}, None),  # empty after trimming: the service's refusal
        ({"body": "x" * 20_001}, "body"),
        ({"client_id": ""}, "client_id"),
        ({"reply_to": "not-a-uuid"}, "reply_to"),
        ({"attachment_ids": "x"}, "attachment_ids"),
        ({"colour": "red"}, "colour"),  # unknown fields are refused, as over REST
    ],
)
async def test_invalid_bodies_get_the_rest_error_and_change_nothing(group, change, field):
    conversation, owner, _, _ = group
    frame = {**_send_frame(conversation.pk), **change}
    body = {k: v for k, v in frame.items() if k not in ("type", "ref", "conversation_id")}
    rest = await sync_to_async(
        lambda: api_client(owner).post(
            f"/api/v1/conversations/{conversation.pk}/messages", body, format="json"
        )
    )()
    before = await sync_to_async(Message.objects.count)()
    _, issued = await sync_to_async(sign_in)(owner)
    async with open_socket(issued.access_token) as comm:
        await comm.send_json_to(frame)
        refused = await _answer(comm)
        await _still_open(comm)
    assert refused["status"] == rest.status_code == 400
    assert {"error": refused["error"]} == rest.json()
    if field is not None:
        assert field in refused["error"]["details"]["fields"]
    assert await sync_to_async(Message.objects.count)() == before


@pytest.mark.parametrize("ref", [None, "", "x" * 65, 17])
async def test_a_send_without_a_proper_ref_is_malformed(group, ref):
    conversation, owner, _, _ = group
    frame = _send_frame(conversation.pk)
    if ref is None:
        del frame["ref"]
    else:
        frame["ref"] = ref
    _, issued = await sync_to_async(sign_in)(owner)
    async with open_socket(issued.access_token) as comm:
        await comm.send_json_to(frame)
        refused = await comm.receive_json_from(timeout=5)
        await _still_open(comm)
    assert refused["type"] == "error" and "ref" not in refused
    assert refused["error"]["code"] == "malformed_frame"
    assert await sync_to_async(Message.objects.count)() == 1  # the group's system message


async def test_sends_over_the_rate_limit_get_429_and_the_socket_stays_usable(group, monkeypatch):
    conversation, owner, _, _ = group
    monkeypatch.setattr(
        MessageSendThrottle, "THROTTLE_RATES", {"user": "600/min", "message_send": "2/min"}
    )
    await sync_to_async(cache.clear)()
    _, issued = await sync_to_async(sign_in)(owner)
    async with open_socket(issued.access_token) as comm:
        statuses = []
        for n in range(3):
            await comm.send_json_to(_send_frame(conversation.pk, ref=f"r{n}"))
            answer = await _answer(comm)
            statuses.append(answer["status"])
        await _still_open(comm)
    assert statuses == [201, 201, 429]
    assert answer["error"]["code"] == "throttled"
    assert answer["error"]["details"]["retry_after"] > 0
    assert await sync_to_async(Message.objects.filter(author=owner, kind="text").count)() == 2


async def test_a_send_before_authentication_closes_the_socket(group):
    conversation, _, _, _ = group
    comm = WebsocketCommunicator(application, "/ws/")
    assert (await comm.connect(timeout=5))[0]
    await comm.send_to(text_data=json.dumps(_send_frame(conversation.pk)))
    code, frames = await closed_with(comm)
    assert code == 4401
    assert [f["error"]["code"] for f in frames] == ["not_authenticated"]
    assert await sync_to_async(Message.objects.count)() == 1


async def test_a_send_frame_over_the_size_limit_closes_with_4413(group):
    conversation, owner, _, _ = group
    _, issued = await sync_to_async(sign_in)(owner)
    async with open_socket(issued.access_token) as comm:
        await comm.send_to(text_data=json.dumps(_send_frame(conversation.pk, body="я" * 40_000)))
        code, frames = await closed_with(comm)
    assert code == 4413
    assert [f["error"]["code"] for f in frames] == ["frame_too_large"]
    assert await sync_to_async(Message.objects.count)() == 1
