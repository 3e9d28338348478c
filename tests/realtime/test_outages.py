"""Outages of Redis and PostgreSQL with real servers stopped and started inside the test
(a private Redis and a private PostgreSQL on loopback ports, never the suite's), and a
client that stops reading its socket. What users see is in docs/operations.md, "Outages".

The claims: nothing committed is lost or repeated, the errors are the documented ones, and
recovery needs no one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from asgiref.sync import sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from messaging.services import conversation_create
from portal.accounts.management.commands.seed_demo import demo_password
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import (
    LiveServer,
    live_env,
    publish_test_events,
    start_daphne,
    stop_daphne,
    ws_connect,
)
from tests.helpers.private_servers import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["live_env"]

POLL_SECONDS = 1


def _api(server: LiveServer, token: str) -> requests.Session:
    http = server.http()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _send(server: LiveServer, token: str, conversation_id: Any, body: str) -> requests.Response:
    return _api(server, token).post(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": body},
        timeout=15,
    )


# --- Redis down ----------------------------------------------------------------------------


@pytest.fixture
def redis_outage(
    live_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[LiveServer, PrivateRedis]]:
    """A daphne whose cache, channel layer and broker are a private Redis, polling its
    sockets every second."""
    private = PrivateRedis()
    private.start()
    env = {**live_env, "REDIS_URL": private.url, "WEBSOCKET_POLL_SECONDS": str(POLL_SECONDS)}
    server = start_daphne(env, tmp_path / "daphne.log")
    try:
        yield server, private
    finally:
        stop_daphne(server)
        private.stop()


def _password_sign_in(server: LiveServer, login: str, password: str) -> requests.Response:
    return server.http().post(
        f"{server.url}/api/v1/auth/login",
        json={"login": login, "password": password,
              "device": {"id": str(uuid.uuid4()), "platform": "android"}},
        timeout=15,
    )  # fmt: skip


def _chat() -> dict[str, Any]:
    author, reader = UserFactory.create(login="author"), UserFactory.create(login="reader")
    group = conversation_create(actor=author, kind="group", title="Без Redis",
                                member_ids=[reader.pk])  # fmt: skip
    return {
        "group": group,
        "author": sign_in(author)[1],
        "reader": sign_in(reader)[1],
        "reader_second": sign_in(reader)[1],
        "reader_user": reader,
    }


async def test_with_redis_down_requests_sends_events_and_revocations_go_on(redis_outage):
    server, private = redis_outage
    s = await sync_to_async(_chat)()
    author = s["author"].access_token
    async with ws_connect(server, token=s["reader"].access_token) as early:
        await early.recv_type("ready")
        assert (await sync_to_async(_send)(server, author, s["group"].pk, "до")).status_code == 201
        before = await early.recv_type("event")
        assert before["event"]["message"]["body"] == "до"

        private.stop()
        http = _api(server, author)
        me = await sync_to_async(http.get)(f"{server.url}/api/v1/me", timeout=15)
        assert me.status_code == 200, me.text  # the device policy comes from PostgreSQL
        # Sign-in works, and wrong passwords are still throttled (per process meanwhile).
        signed_in = await sync_to_async(_password_sign_in)(server, "author", DEFAULT_PASSWORD)
        assert signed_in.status_code == 200, signed_in.text
        answers = [
            (await sync_to_async(_password_sign_in)(server, "author", "wrong-password")).status_code
            for _ in range(7)
        ]
        assert answers[:5] == [401] * 5 and answers[-1] == 429, answers
        ready = await sync_to_async(http.get)(f"{server.url}/readyz", timeout=15)
        assert ready.status_code == 503 and ready.json()["error"]["details"]["failing"] == ["redis"]
        # A socket opened during the outage works too, on the poll alone.
        async with ws_connect(server, token=s["reader_second"].access_token) as late:
            await late.recv_type("ready", timeout=10)
            for n in range(3):
                sent = await sync_to_async(_send)(server, author, s["group"].pk, f"без Redis {n}")
                assert sent.status_code == 201, sent.text
            # Both sockets get the three messages within a poll or two, once and in order.
            for socket in (early, late):
                frames = await socket.recv_events(3, timeout=POLL_SECONDS * 5)
                assert [f["event"]["message"]["body"] for f in frames] == [
                    f"без Redis {n}" for n in range(3)
                ]
            # Revoking a session reaches its socket through the poll as well.
            revoked = await sync_to_async(_api(server, s["reader"].access_token).delete)(
                f"{server.url}/api/v1/auth/sessions/{s['reader_second'].session.pk}", timeout=15
            )
            assert revoked.status_code == 204, revoked.text
            code, _ = await late.closed(timeout=POLL_SECONDS * 5)
            assert code == 4401

        private.start()
        # Back: doorbells ring again, so delivery is immediate, not a poll later.
        await asyncio.sleep(1.5)  # the subscriptions reconnect
        started = time.monotonic()
        assert (
            await sync_to_async(_send)(server, author, s["group"].pk, "после")
        ).status_code == 201
        after = await early.recv_type("event", timeout=POLL_SECONDS * 5)
        assert after["event"]["message"]["body"] == "после"
        assert after["id"] > before["id"]
        await early.assert_silent(0.5)
        assert time.monotonic() - started < POLL_SECONDS * 5
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log and "Redis is unreachable" in log  # warnings, not traces


# --- PostgreSQL down -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A migrated PostgreSQL with the demo agency, of its own."""
    database = PrivatePostgres.in_temporary_directory()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database.url,
           "PORTAL_ENV": "development", "DJANGO_SETTINGS_MODULE": "portal.settings"}  # fmt: skip
    try:
        database.init()
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR,
                           env=env, check=True, capture_output=True, timeout=300)  # fmt: skip
        yield database
    finally:
        database.stop(missing_ok=True)
        database.remove()


@pytest.fixture
def postgres_outage(
    live_env: dict[str, str], private_postgres: PrivatePostgres, tmp_path: Path
) -> Iterator[tuple[LiveServer, PrivatePostgres]]:
    env = {**live_env, "DATABASE_URL": private_postgres.url,
           "WEBSOCKET_POLL_SECONDS": str(POLL_SECONDS)}  # fmt: skip
    server = start_daphne(env, tmp_path / "daphne.log")
    try:
        yield server, private_postgres
    finally:
        stop_daphne(server)


def _demo_sign_in(server: LiveServer, login: str) -> dict[str, Any]:
    response = _password_sign_in(server, login, demo_password(login))
    assert response.status_code == 200, response.text
    return response.json()


async def test_with_postgres_down_requests_fail_fast_with_503_and_recover(postgres_outage):
    server, database = postgres_outage
    author = await sync_to_async(_demo_sign_in)(server, "morozov.dv")
    reader = await sync_to_async(_demo_sign_in)(server, "volkova.ns")
    http = _api(server, author["access_token"])
    created = await sync_to_async(http.post)(
        f"{server.url}/api/v1/conversations",
        json={"kind": "group", "title": "Без базы", "member_ids": [reader["user"]["id"]]},
        timeout=15,
    )
    assert created.status_code == 201, created.text
    group = created.json()["id"]
    async with ws_connect(server, token=reader["access_token"]) as socket:
        await socket.recv_type("ready")
        sent = await sync_to_async(_send)(server, author["access_token"], group, "до")
        assert sent.status_code == 201
        last_seen = (await socket.recv_type("event"))["id"]

        await sync_to_async(database.stop)()
        for path in ("/api/v1/me", f"/api/v1/conversations/{group}/messages"):
            started = time.monotonic()
            answer = await sync_to_async(http.get)(f"{server.url}{path}", timeout=30)
            assert time.monotonic() - started < 6  # the pool's 3 s wait, not a hang
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["code"] == "service_unavailable"
            assert int(answer.headers["Retry-After"]) > 0
        refused = await sync_to_async(_send)(server, author["access_token"], group, "в пустоту")
        assert refused.status_code == 503
        # A new socket is accepted and closed with 4503, not dropped.
        async with ws_connect(server, token=reader["access_token"]) as newcomer:
            code, frames = await newcomer.closed(timeout=15)
        assert code == 4503
        assert frames[-1]["error"]["code"] == "service_unavailable"

    await sync_to_async(database.start)()
    deadline = time.monotonic() + 30
    while True:  # recovery is automatic: the pool reconnects by itself
        answer = await sync_to_async(http.get)(f"{server.url}/api/v1/me", timeout=30)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert answer.status_code == 200, answer.text
    sent = await sync_to_async(_send)(server, author["access_token"], group, "после")
    assert sent.status_code == 201, sent.text
    async with ws_connect(server, token=reader["access_token"], last_event_id=last_seen) as socket:
        await socket.recv_type("ready")
        (after,) = await socket.recv_events(1)
        assert after["event"]["message"]["body"] == "после"  # the refused send left nothing
        await socket.assert_silent(0.5)
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log and "database unavailable" in log


# --- a client that stops reading -------------------------------------------------------------

BUFFER_LIMIT = 256 * 1024


@pytest.fixture
def small_buffers(live_env: dict[str, str], tmp_path: Path) -> Iterator[LiveServer]:
    env = {**live_env, "WEBSOCKET_MAX_BUFFER_BYTES": str(BUFFER_LIMIT),
           "WEBSOCKET_SLOW_SECONDS": "2"}  # fmt: skip
    server = start_daphne(env, tmp_path / "daphne.log")
    try:
        yield server
    finally:
        stop_daphne(server)


async def test_a_socket_that_stops_reading_is_closed_and_resumes(small_buffers):
    server = small_buffers
    user = await sync_to_async(UserFactory.create)()
    token = (await sync_to_async(sign_in)(user))[1].access_token
    text = "ж" * 20_000  # 40 KB an event
    async with connect(server.ws_url(), additional_headers={"Authorization": f"Bearer {token}"},
                       proxy=None, max_size=None, max_queue=1) as conn:  # fmt: skip
        assert json.loads(await conn.recv())["type"] == "ready"
        # Not reading: the kernel's buffers fill, then daphne's, up to the limit.
        ids = await sync_to_async(publish_test_events)(user.pk, 400, text)
        deadline = time.monotonic() + 30
        while "stopped reading" not in server.log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the slow socket was not closed"
            await asyncio.sleep(0.2)
        received: list[int] = []
        with contextlib.suppress(ConnectionClosed):
            async for frame in conn:
                received.append(json.loads(frame)["id"])
        assert conn.close_code == 4429
    assert 0 < len(received) < len(ids) and received == ids[: len(received)]
    # Resuming from the last event it got, the client gets the rest exactly once.
    async with ws_connect(server, token=token, last_event_id=received[-1]) as socket:
        await socket.recv_type("ready")
        rest = [f["id"] for f in await socket.recv_events(len(ids) - len(received), timeout=10)]
        await socket.assert_silent(0.5)
    assert received + rest == ids
