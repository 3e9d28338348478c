"""Offline and flaky networks: what an official writes without a connection is kept, shown
as pending, and sent exactly once when the connection returns — also when the server got a
send whose answer never arrived (on the socket, then over REST)."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import Page, Route, WebSocketRoute, expect

from messaging.models import Message
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, make_group, shot
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _bodies(conversation_id: uuid.UUID, needle: str) -> list[str]:
    return list(
        Message.objects.filter(conversation_id=conversation_id, body__contains=needle)
        .order_by("seq")
        .values_list("body", flat=True)
    )


def _send(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer-input")
    composer.fill(text)
    composer.press("Enter")


def test_messages_written_offline_are_sent_once_when_back_online(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", first_name="Алиса", last_name="Иванова")
    bob = UserFactory.create(login="bob", first_name="Борис", last_name="Петров")
    group = off_loop(lambda: make_group(alice, bob))
    page = page_for(alice)
    # Reading marks messages read: those requests fail while offline, by design.
    page_for.allow_console_error(r"ERR_INTERNET_DISCONNECTED")
    # The history must have loaded before going offline (on a busy machine it may still
    # be on its way): a failed history request is not what this test is about.
    history = f"/api/v1/conversations/{group.pk}/messages?"
    with page.expect_response(lambda response: history in response.url):
        page.goto(f"/c/{group.pk}")
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    expect(page.get_by_test_id("connection")).to_have_count(0)  # online

    page.context.set_offline(True)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "offline")
    _send(page, "Первое без сети")
    _send(page, "Второе без сети")
    expect(page.get_by_test_id("pending-message")).to_have_count(2)
    shot(page, "offline-pending")
    assert _bodies(group.pk, "без сети") == []

    page.context.set_offline(False)
    expect(page.get_by_test_id("pending-message")).to_have_count(0, timeout=20_000)
    messages = page.get_by_test_id("message").filter(has_text="без сети")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text("Первое без сети")
    expect(messages.nth(1)).to_contain_text("Второе без сети")
    assert _bodies(group.pk, "без сети") == ["Первое без сети", "Второе без сети"]
    shot(page, "back-online")

    other = page_for(bob)
    other.goto(f"/c/{group.pk}")
    expect(other.get_by_test_id("message").filter(has_text="без сети")).to_have_count(2)


def test_a_send_whose_answer_was_lost_is_not_duplicated(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", first_name="Алиса", last_name="Иванова")
    bob = UserFactory.create(login="bob", first_name="Борис", last_name="Петров")
    group = off_loop(lambda: make_group(alice, bob))
    page = page_for(alice)
    page_for.allow_console_error(r"ERR_CONNECTION_RESET|Failed to load resource")
    lost: list[str] = []

    def lose_the_ack(socket: WebSocketRoute) -> None:
        # The server takes the message sent over the socket; the socket breaks before its
        # ack arrives. The client then sends it over REST with the same client_id.
        server = socket.connect_to_server()

        def to_page(frame: str | bytes) -> None:
            if (
                "ack" not in lost
                and isinstance(frame, str)
                and json.loads(frame).get("type") == "ack"
            ):
                lost.append("ack")
                socket.close(code=1001, reason="gone")
            else:
                socket.send(frame)

        server.on_message(to_page)

    def lose_the_answer(route: Route) -> None:
        # That POST gets to the server too, and its answer is lost as well (also when a slow
        # ack made the client go over REST first): the client tries again, and the server
        # still keeps one message.
        if route.request.method == "POST" and "post" not in lost:
            route.fetch()
            lost.append("post")
            route.abort("connectionreset")
        else:
            route.fallback()

    page.route_web_socket("**/ws/**", lose_the_ack)
    page.route(f"**/api/v1/conversations/{group.pk}/messages", lose_the_answer)
    page.goto(f"/c/{group.pk}")
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    _send(page, "Ответ на этот запрос потерялся")
    sent = page.get_by_test_id("message").filter(has_text="потерялся")
    expect(sent).to_have_count(1, timeout=20_000)
    expect(page.get_by_test_id("pending-message")).to_have_count(0)
    # The retry goes over REST when the socket is still down, or over the socket that
    # reconnected first (both with the same client_id): either way one message.
    assert "ack" in lost, "the ack was lost"
    assert set(lost) <= {"ack", "post"}
    assert _bodies(group.pk, "потерялся") == ["Ответ на этот запрос потерялся"]
