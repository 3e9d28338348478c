"""Topics (docs/realtime.md, "Topics"): a channel's events are stored once and every
member's sockets follow them with their own cursor; following starts and stops with the
membership, resume covers topics exactly once, and a bell is one Redis message per publish
whatever the number of recipients."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import TestCase

from messaging.models import Conversation
from messaging.services import (
    conversation_create,
    conversation_join,
    conversation_member_remove,
    message_send,
    typing_notify,
)
from portal.realtime import hub, poll, services
from portal.realtime.models import Event, TopicEvent
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, sign_in
from tests.realtime.test_consumer import closed_with, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel(db):
    owner = UserFactory.create()
    readers = [UserFactory.create() for _ in range(30)]
    conversation = conversation_create(
        actor=owner, kind="channel", title="Новости министерства",
        member_ids=[r.pk for r in readers], visibility=Conversation.Visibility.SERVER,
    )  # fmt: skip
    return conversation, owner, readers


def topic_of(conversation: Conversation) -> str:
    return f"conversation:{conversation.pk}"


def post(conversation: Conversation, owner: Any, body: str = "Пресс-релиз") -> Any:
    message, _ = message_send(
        actor=owner, conversation_id=conversation.pk, client_id=str(uuid.uuid4()), body=body
    )
    return message


async def _topic_events(comm: Any, count: int) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while len(frames) < count:
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] == "event" and "topic" in frame:
            frames.append(frame)
    return frames


def test_a_post_stores_one_row_and_rings_one_bell_whatever_the_members(channel, monkeypatch):
    conversation, owner, _ = channel
    bells: list[bytes] = []
    monkeypatch.setattr(hub, "ring", lambda sent: bells.extend(sent))
    events_before, topic_before = Event.objects.count(), TopicEvent.objects.count()
    post(conversation, owner)
    assert TopicEvent.objects.count() - topic_before == 1
    assert Event.objects.count() == events_before  # nothing per member
    [bell] = bells
    header, text = hub.decode(bell)
    assert header["k"] == "t" and header["topic"] == topic_of(conversation)
    assert '"op":"add"' in text


def test_a_group_message_rings_one_bell_for_all_its_members(monkeypatch):
    owner, *others = (UserFactory.create() for _ in range(10))
    group = conversation_create(
        actor=owner, kind="group", title="Штаб", member_ids=[u.pk for u in others]
    )
    bells: list[bytes] = []
    monkeypatch.setattr(hub, "ring", lambda sent: bells.extend(sent))
    post(group, owner)
    [bell] = bells
    header, _ = hub.decode(bell)
    assert header["k"] == "u"
    assert {user_id for user_id, _, _ in header["b"]} == {str(u.pk) for u in [owner, *others]}


def test_joining_and_leaving_follow_and_unfollow_with_events_in_the_own_stream(channel):
    conversation, _, readers = channel
    newcomer = UserFactory.create()
    conversation_join(actor=newcomer, conversation_id=conversation.pk)
    follow = Event.objects.filter(user=newcomer, type="stream").get().body()
    assert follow["op"] == "follow" and follow["topic"] == topic_of(conversation)
    conversation_member_remove(actor=newcomer, conversation_id=conversation.pk, user_id=newcomer.pk)
    ops = [
        e.body()["op"] for e in Event.objects.filter(user=newcomer, type="stream").order_by("id")
    ]
    assert ops == ["follow", "unfollow"]
    sync = api_client(readers[0]).get("/api/v1/sync").json()
    assert set(sync["topics"]) == {topic_of(conversation)}
    assert api_client(newcomer).get("/api/v1/sync").json()["topics"] == {}


async def test_members_receive_posts_on_the_topic_and_resume_exactly_once(channel):
    conversation, owner, readers = channel
    key = topic_of(conversation)
    _, issued = await sync_to_async(sign_in)(readers[0])
    async with open_socket(issued.access_token) as comm:
        await sync_to_async(post)(conversation, owner, "Первый")
        [live] = await _topic_events(comm, 1)
    assert live["topic"] == key and live["event"]["message"]["body"] == "Первый"
    missed = [
        await sync_to_async(post)(conversation, owner, f"Пока вас не было {n}") for n in range(3)
    ]
    async with open_socket(issued.access_token, f"/ws/?topics={key}:{live['id']}") as comm:
        frames = await _topic_events(comm, 3)
        assert [f["event"]["message"]["id"] for f in frames] == [str(m.pk) for m in missed]
        assert [f["id"] for f in frames] == sorted(f["id"] for f in frames)
        assert await comm.receive_nothing(timeout=0.3)
        later = await sync_to_async(post)(conversation, owner, "Снова на связи")
        [again] = await _topic_events(comm, 1)
    assert again["event"]["message"]["id"] == str(later.pk)


async def test_ready_names_the_followed_topics_at_their_heads(channel):
    conversation, owner, readers = channel
    await sync_to_async(post)(conversation, owner)
    head = await sync_to_async(
        lambda: TopicEvent.objects.filter(topic_id=topic_of(conversation)).latest("id").id
    )()
    _, issued = await sync_to_async(sign_in)(readers[1])
    from channels.testing import WebsocketCommunicator

    from portal.asgi import application

    comm = WebsocketCommunicator(
        application, "/ws/", headers=[(b"authorization", f"Bearer {issued.access_token}".encode())]
    )
    assert (await comm.connect(timeout=5))[0]
    ready = await comm.receive_json_from(timeout=5)
    await comm.disconnect()
    assert ready["topics"] == {topic_of(conversation): head}


async def test_a_removed_member_stops_receiving_posts_at_once(channel):
    conversation, owner, readers = channel
    key = topic_of(conversation)
    _, issued = await sync_to_async(sign_in)(readers[2])
    async with open_socket(issued.access_token) as comm:
        await sync_to_async(conversation_member_remove)(
            actor=owner, conversation_id=conversation.pk, user_id=readers[2].pk
        )
        await sync_to_async(post)(conversation, owner, "После удаления")
        frames = [await comm.receive_json_from(timeout=5) for _ in range(2)]
        assert await comm.receive_nothing(timeout=0.5)  # not the post
    assert [(f["event"]["type"], f["event"]["op"]) for f in frames] == [
        ("membership", "remove"), ("stream", "unfollow"),
    ]  # fmt: skip
    assert frames[0]["topic"] == key


async def test_a_resume_with_a_topic_the_user_left_gets_up_to_the_leaving_and_no_more(channel):
    conversation, owner, readers = channel
    key = topic_of(conversation)
    await sync_to_async(post)(conversation, owner)
    cursor = await sync_to_async(lambda: TopicEvent.objects.latest("id").id)()
    await sync_to_async(conversation_member_remove)(
        actor=readers[3], conversation_id=conversation.pk, user_id=readers[3].pk
    )
    await sync_to_async(post)(conversation, owner, "Не для ушедших")
    _, issued = await sync_to_async(sign_in)(readers[3])
    async with open_socket(issued.access_token, f"/ws/?topics={key}:{cursor}") as comm:
        [left] = await _topic_events(comm, 1)
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=5) == {"type": "pong"}
        assert await comm.receive_nothing(timeout=0.3)
        # Later posts do not reach this socket either.
        await sync_to_async(post)(conversation, owner, "И это тоже")
        assert await comm.receive_nothing(timeout=0.5)
    assert (left["event"]["type"], left["event"]["op"]) == ("membership", "remove")
    assert left["event"]["user_id"] == str(readers[3].pk)


@pytest.mark.parametrize("cursor", ["999999999", "abc", "-1"])
async def test_a_topic_cursor_that_is_not_one_closes_with_4400(channel, cursor):
    from channels.testing import WebsocketCommunicator

    from portal.asgi import application

    conversation, _, readers = channel
    _, issued = await sync_to_async(sign_in)(readers[4])
    comm = WebsocketCommunicator(
        application, f"/ws/?topics={topic_of(conversation)}:{cursor}",
        headers=[(b"authorization", f"Bearer {issued.access_token}".encode())],
    )  # fmt: skip
    assert (await comm.connect(timeout=5))[0]
    code, frames = await closed_with(comm)
    assert code == 4400
    assert [f["error"]["code"] for f in frames] == ["invalid_event_id"]


async def test_joining_while_connected_starts_the_topic_at_once(channel):
    conversation, owner, _ = channel
    newcomer = await sync_to_async(UserFactory.create)()
    _, issued = await sync_to_async(sign_in)(newcomer)
    async with open_socket(issued.access_token) as comm:
        await sync_to_async(conversation_join)(actor=newcomer, conversation_id=conversation.pk)
        later = await sync_to_async(post)(conversation, owner, "Добро пожаловать")
        seen: list[dict[str, Any]] = []
        while not any(f["event"].get("message", {}).get("id") == str(later.pk) for f in seen):
            seen.append(await comm.receive_json_from(timeout=5))
    assert seen[0]["event"] == {
        "type": "stream", "op": "follow", "topic": topic_of(conversation),
        "after": seen[0]["event"]["after"],
    }  # fmt: skip


async def test_a_lost_topic_bell_is_made_good_by_the_poll(channel, monkeypatch):
    conversation, owner, readers = channel
    monkeypatch.setattr(poll, "POLL_SECONDS", 0.1)
    monkeypatch.setattr(services, "ring_topic", lambda *args, **kwargs: None)
    _, issued = await sync_to_async(sign_in)(readers[5])
    async with open_socket(issued.access_token) as comm:
        message = await sync_to_async(post)(conversation, owner)
        [frame] = await _topic_events(comm, 1)
    assert frame["event"]["message"]["id"] == str(message.pk)


async def test_pruned_topic_events_ask_for_that_topics_resync(channel, settings):
    conversation, owner, readers = channel
    key = topic_of(conversation)
    await sync_to_async(post)(conversation, owner)
    cursor = await sync_to_async(lambda: TopicEvent.objects.latest("id").id)()
    await sync_to_async(post)(conversation, owner, "Устаревшее")
    settings.EVENT_LOG_RETENTION_SECONDS = -60  # everything is expired

    def prune() -> None:
        with transaction.atomic():
            services.event_log_prune()

    await sync_to_async(prune)()
    _, issued = await sync_to_async(sign_in)(readers[6])
    async with open_socket(issued.access_token, f"/ws/?topics={key}:{cursor}") as comm:
        frame = await comm.receive_json_from(timeout=5)
    assert frame == {"type": "resync_required", "topic": key}


def test_bells_survive_the_wire():
    bell = hub.users_bell([("u1", 5, 3)], event_type="message", text='{"a":"б\\nв"}')
    header, text = hub.decode(bell)
    assert header == {"k": "u", "t": "message", "b": [["u1", 5, 3]]}
    assert text == '{"a":"б\\nв"}'


def test_typing_in_a_channel_is_not_relayed_to_its_members(channel, monkeypatch):
    conversation, owner, _ = channel
    bells: list[bytes] = []
    monkeypatch.setattr(hub, "ring", lambda sent: bells.extend(sent))
    with TestCase.captureOnCommitCallbacks(execute=True):
        typing_notify(actor=owner, conversation_id=conversation.pk)
    assert bells == []
