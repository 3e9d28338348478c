"""The same client id sent twice at the same moment, into one conversation or into two:
really concurrent requests, each on its own PostgreSQL connection, never a 500."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from messaging.models import Message
from messaging.services import sql
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client

pytestmark = pytest.mark.django_db(transaction=True)


def _conversation(client: Any, title: str) -> str:
    response = client.post(
        "/api/v1/conversations", {"kind": "group", "title": title, "member_ids": []}, format="json"
    )
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _together(monkeypatch: pytest.MonkeyPatch, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads of their own, each running the send statement (which checks
    the client id and inserts at once, services/sql.py) only once every other one is about
    to (or has waited 2 s for that)."""
    barrier = threading.Barrier(len(calls), timeout=2)
    original = sql.send_statement

    def send_when_all_ready(**kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return original(**kwargs)

    monkeypatch.setattr(sql, "send_statement", send_when_all_ready)
    results: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        try:
            results[n] = calls[n]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_one_client_id_into_two_conversations_at_once(monkeypatch):
    author = UserFactory.create(login="author")
    clients = [api_client(author), api_client(author)]
    first, second = _conversation(clients[0], "Первый"), _conversation(clients[0], "Второй")
    body = {"client_id": "same-id", "body": "Привет"}
    responses = _together(
        monkeypatch,
        [
            lambda: clients[0].post(f"/api/v1/conversations/{first}/messages", body, format="json"),
            lambda: clients[1].post(
                f"/api/v1/conversations/{second}/messages", body, format="json"
            ),
        ],
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 400], [r.content for r in responses]
    refused = next(r for r in responses if r.status_code == 400).json()["error"]
    assert refused["code"] == "invalid_message"
    assert "client_id" in refused["details"]
    assert Message.objects.filter(author=author, client_id="same-id").count() == 1


def test_one_client_id_twice_into_one_conversation_at_once(monkeypatch):
    author = UserFactory.create(login="author")
    clients = [api_client(author), api_client(author)]
    conversation = _conversation(clients[0], "Один")
    url = f"/api/v1/conversations/{conversation}/messages"
    body = {"client_id": "same-id", "body": "Привет"}
    responses = _together(
        monkeypatch,
        [lambda: clients[0].post(url, body, format="json"),
         lambda: clients[1].post(url, body, format="json")],
    )  # fmt: skip
    assert sorted(r.status_code for r in responses) == [200, 201], [r.content for r in responses]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert Message.objects.filter(author=author, client_id="same-id").count() == 1


def test_one_client_id_for_two_polls_in_two_conversations_at_once(monkeypatch):
    author = UserFactory.create(login="author")
    clients = [api_client(author), api_client(author)]
    first, second = _conversation(clients[0], "Первый"), _conversation(clients[0], "Второй")
    body = {"client_id": "poll-id", "question": "Когда?", "options": ["Сегодня", "Завтра"],
            "multiple": False, "anonymous": False}  # fmt: skip
    responses = _together(
        monkeypatch,
        [
            lambda: clients[0].post(f"/api/v1/conversations/{first}/polls", body, format="json"),
            lambda: clients[1].post(f"/api/v1/conversations/{second}/polls", body, format="json"),
        ],
    )
    assert sorted(r.status_code for r in responses) == [201, 400], [r.content for r in responses]
    assert Message.objects.filter(author=author, client_id="poll-id").count() == 1
