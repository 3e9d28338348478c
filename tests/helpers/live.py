"""Live daphne servers for websocket tests, and a client that speaks the /ws/ protocol.

The servers run ``portal.asgi:application`` in subprocesses against the pytest-django test
database and the suite's Redis, so tests that use them need ``transactional_db``: data
must be committed for daphne to see it. Register the fixtures in a conftest with
``from tests.helpers.live import daphne_server, daphne_server_b, live_env  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from portal.realtime import events, publish
from tests.helpers.schema import assert_frame_matches_schema

# The size limit production uses (docs/realtime.md): the server closes larger messages with
# 1009 before the application reads them. Each socket's consumer has its own, lower limit
# (the event socket 64 KB: 4413).
MAX_MESSAGE_BYTES = 1024 * 1024
# Short, so the auth-timeout test is quick; every other client authenticates at once.
AUTH_TIMEOUT_SECONDS = 1


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    def ws_url(self, path: str = "/ws/", **query: Any) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"ws://127.0.0.1:{self.port}{path}{suffix}"

    def http(self) -> requests.Session:
        """An HTTP client for this server that ignores proxy settings (loopback only)."""
        session = requests.Session()
        session.trust_env = False
        return session


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_daphne(env: dict[str, str], log: Path) -> LiveServer:
    """Start daphne (through portal.server, as production does) on a free loopback port
    and wait until /healthz answers."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "portal.server", "-b", "127.0.0.1", "-p", str(port),
                "--websocket-max-message-size", str(MAX_MESSAGE_BYTES),
                "--websocket-max-frame-size", str(MAX_MESSAGE_BYTES),
                "portal.asgi:application",
            ],
            env=env, cwd=settings.BASE_DIR, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = LiveServer(port, process, log)
    deadline = time.monotonic() + 30
    http = server.http()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if http.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except requests.ConnectionError:
            time.sleep(0.05)
    stop_daphne(server)
    raise RuntimeError(f"daphne did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop_daphne(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def live_env(django_db_setup: Any, s3_server: dict[str, str]) -> dict[str, str]:
    """The environment of a daphne that shares this run's test database, Redis and S3."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        # Failing, not skipping: a run without them would silently lose the live tests.
        pytest.fail("live servers need DATABASE_URL (PostgreSQL) and REDIS_URL: run `make test`")
    return {
        **os.environ,
        **s3_server,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_ENV": "development",
        # As pytest-django runs the in-process tests: error pages are the production ones
        # (with DEBUG, Django answers an unknown URL with its HTML debug page).
        "DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "WEBSOCKET_AUTH_TIMEOUT": str(AUTH_TIMEOUT_SECONDS),
    }


@pytest.fixture(scope="session")
def daphne_server(
    live_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One daphne for the whole run (torn down before the test database is dropped)."""
    server = start_daphne(live_env, tmp_path_factory.mktemp("daphne") / "a.log")
    yield server
    stop_daphne(server)


@pytest.fixture(scope="session")
def daphne_server_b(
    live_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A second daphne on the same database and Redis: another node of the cluster."""
    server = start_daphne(live_env, tmp_path_factory.mktemp("daphne") / "b.log")
    yield server
    stop_daphne(server)


class WsClient:
    """A websocket client that reads and writes protocol frames (JSON objects)."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def send(self, frame: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(frame))

    async def send_text(self, text: str) -> None:
        await self.conn.send(text)

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
        assert isinstance(frame, dict)
        assert_frame_matches_schema(frame)
        return frame

    async def recv_type(self, type_: str, timeout: float = 5) -> dict[str, Any]:
        frame = await self.recv(timeout)
        assert frame["type"] == type_, frame
        return frame

    async def recv_events(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        """The next ``count`` frames, each of which must be an event frame."""
        return [await self.recv_type("event", timeout) for _ in range(count)]

    async def assert_silent(self, within: float = 0.3) -> None:
        """Nothing arrives for ``within`` seconds."""
        try:
            frame = await asyncio.wait_for(self.conn.recv(), within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {frame!r}")

    async def closed(self, timeout: float = 5) -> tuple[int, list[dict[str, Any]]]:
        """Wait for the server to close; the close code and every frame sent before it."""
        frames: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(timeout):
                async for text in self.conn:
                    frames.append(json.loads(text))
                    assert_frame_matches_schema(frames[-1])
        except ConnectionClosed:
            pass
        assert self.conn.close_code is not None, "still open"
        return self.conn.close_code, frames


@asynccontextmanager
async def ws_connect(
    server: LiveServer,
    *,
    token: str | None = None,
    cookies: dict[str, str] | None = None,
    origin: str | None = None,
    **query: Any,
) -> AsyncIterator[WsClient]:
    """A socket to ``server``'s /ws/, with a bearer token and/or cookies if given."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    async with connect(
        server.ws_url(**query),
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        proxy=None,
        open_timeout=5,
        close_timeout=2,
        max_size=None,
    ) as conn:
        yield WsClient(conn)


def publish_test_events(user_id: Any, count: int, text: str = "") -> list[int]:
    """Publish ``count`` test events to one user, each in its own committed transaction
    (sync: call it through ``sync_to_async`` from async tests); their ids."""
    ids = []
    for n in range(count):
        with transaction.atomic():
            event, recipients = events.test_event(user_ids=[user_id], text=f"{text}{n}")
            ids.append(publish(event, user_ids=recipients)[0].id)
    return ids
