"""A broadcast channel in Chromium over the new socket protocol (docs/realtime.md): the
owner's post goes as a `message.send` frame (no REST request), the reader sees it live on
the channel's topic stream, and a reader who was away resumes with the topic's cursor and
gets what was posted meanwhile, exactly once."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from playwright.sync_api import Page, WebSocket, expect

from messaging.models import Conversation, Message
from messaging.services import conversation_create, message_send
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, shot
from tests.factories.accounts import UserFactory

MESSAGE = '[data-testid="message"]'


class SocketLog:
    """Every frame of the page's /ws/ sockets, parsed, in the order they went."""

    def __init__(self, page: Page) -> None:
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: self.sent.append(_parse(payload)))
        socket.on("framereceived", lambda payload: self.received.append(_parse(payload)))

    def clear(self) -> None:
        self.sent.clear()
        self.received.clear()


def _parse(payload: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(payload)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}


def _wait_for(page: Page, found: Any, what: str, timeout_s: float = 10) -> None:
    """Until ``found()`` is true, letting the page's events run (Playwright's sync API
    delivers them only while it waits)."""
    deadline = time.monotonic() + timeout_s
    while not found():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def _topic_posts(log: SocketLog, topic: str, message_id: str) -> list[dict[str, Any]]:
    return [
        f
        for f in log.received
        if f.get("type") == "event"
        and f.get("topic") == topic
        and (f.get("event") or {}).get("message", {}).get("id") == message_id
    ]


def test_the_owner_posts_over_the_socket_and_a_reader_resumes_its_topic(
    page_for: BrowserSession,
) -> None:
    anna = UserFactory.create(login="anna", last_name="Иванова", first_name="Анна")
    boris = UserFactory.create(login="boris", last_name="Петров", first_name="Борис")
    channel = conversation_create(
        actor=anna, kind=Conversation.Kind.CHANNEL, title="Новости ведомства",
        member_ids=[boris.pk],
    )  # fmt: skip
    topic = f"conversation:{channel.pk}"
    a, b = page_for(anna), page_for(boris)
    a_log, b_log = SocketLog(a), SocketLog(b)
    requests: list[str] = []
    a.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    b.goto(f"/c/{channel.pk}")
    a.goto(f"/c/{channel.pk}")
    expect(b.locator('[data-testid="timeline"]')).to_be_visible()

    composer = a.get_by_test_id("composer-input")
    composer.fill("Приказ № 1 подписан")
    composer.press("Enter")
    expect(b.locator(MESSAGE).filter(has_text="Приказ № 1 подписан")).to_have_count(1)
    expect(a.get_by_test_id("pending-message")).to_have_count(0)
    expect(a.locator(MESSAGE).filter(has_text="Приказ № 1 подписан")).to_have_count(1)
    post = Message.objects.get(conversation=channel, body="Приказ № 1 подписан")

    # It went over the socket: one frame, acknowledged as created; no POST at all.
    sends = [f for f in a_log.sent if f.get("type") == "message.send"]
    assert [(f["conversation_id"], f["body"]) for f in sends] == [
        (str(channel.pk), "Приказ № 1 подписан")
    ]
    assert sends[0]["client_id"] == post.client_id
    acks = [f for f in a_log.received if f.get("type") == "ack" and f.get("ref") == sends[0]["ref"]]
    assert [(f["status"], f["result"]["id"]) for f in acks] == [(201, str(post.pk))]
    assert [r for r in requests if r.startswith("POST ") and "/messages" in r] == []
    # The reader got it on the channel's topic, not in a personal stream.
    _wait_for(b, lambda: _topic_posts(b_log, topic, str(post.pk)), "the post on the topic")
    shot(a, "owner-sent")

    # The reader goes away; a post is made meanwhile; the reader comes back.
    seen = max(f["id"] for f in b_log.received if f.get("topic") == topic)
    b.goto("about:blank")
    b_log.clear()
    missed, _ = off_loop(
        lambda: message_send(
            actor=anna,
            conversation_id=channel.pk,
            client_id=str(uuid.uuid4()),
            body="Пока вас не было",
        )
    )
    b.goto(f"/c/{channel.pk}")
    expect(b.locator(MESSAGE).filter(has_text="Пока вас не было")).to_have_count(1)
    auth = next(f for f in b_log.sent if f.get("type") == "auth")
    first_post = _topic_posts(b_log, topic, str(post.pk))  # not sent again: below the cursor
    assert first_post == []
    assert isinstance(auth.get("last_event_id"), int)
    assert auth.get("topics") == {topic: seen}  # where it stopped, kept in localStorage
    # The missed post is replayed from the topic's cursor, once.
    _wait_for(b, lambda: _topic_posts(b_log, topic, str(missed.pk)), "the missed post replayed")
    b.wait_for_timeout(500)  # anything sent twice would have come by now
    assert len(_topic_posts(b_log, topic, str(missed.pk))) == 1
    expect(b.locator(MESSAGE).filter(has_text="Пока вас не было")).to_have_count(1)
    expect(b.locator(MESSAGE).filter(has_text="Приказ № 1 подписан")).to_have_count(1)
    shot(b, "reader-resumed")
