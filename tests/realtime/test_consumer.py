"""The gateway consumer in-process (channels' communicator): limits, the poll fallback,
device-specific events and policy re-checks. The protocol end to end is in test_live.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import channels.db
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from portal.accounts.services import auth_session_revoke
from portal.accounts.services import sessions as session_services
from portal.asgi import application
from portal.audit.services import RequestContext
from portal.devices.services import device_command_issue, policy_assign, policy_save
from portal.realtime import consumers, poll, services
from tests.helpers.api import sign_in
from tests.helpers.live import publish_test_events

pytestmark = pytest.mark.django_db(transaction=True)


@asynccontextmanager
async def open_socket(token: str, path: str = "/ws/") -> AsyncIterator[WebsocketCommunicator]:
    """An authenticated socket, its ``ready`` frame already read."""
    comm = WebsocketCommunicator(
        application, path, headers=[(b"authorization", f"Bearer {token}".encode())]
    )
    connected, _ = await comm.connect(timeout=5)
    assert connected
    try:
        assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
        yield comm
    finally:
        await comm.disconnect()


async def closed_with(comm: WebsocketCommunicator) -> tuple[int, list[dict[str, Any]]]:
    """Frames until the consumer closes, and the close code."""
    frames: list[dict[str, Any]] = []
    while True:
        out = await comm.receive_output(timeout=5)
        if out["type"] == "websocket.close":
            return out["code"], frames
        frames.append(json.loads(out["text"]))


async def test_oversized_frame_is_refused_with_4413(user):
    _, issued = await sync_to_async(sign_in)(user)
    async with open_socket(issued.access_token) as comm:
        await comm.send_to(text_data=json.dumps({"type": "ping", "pad": "я" * 40_000}))
        code, frames = await closed_with(comm)
    assert code == 4413
    assert [f["error"]["code"] for f in frames] == ["frame_too_large"]


@pytest.mark.parametrize("token", ["pat_\ud800", "pat_\u0000abc"])
async def test_an_auth_frame_with_unstorable_text_is_refused(token):
    comm = WebsocketCommunicator(application, "/ws/")
    assert (await comm.connect(timeout=5))[0]
    await comm.send_to(text_data=json.dumps({"type": "auth", "token": token}))
    code, frames = await closed_with(comm)
    assert code == 4401
    assert [f["error"]["code"] for f in frames] == ["invalid_characters"]


async def test_frames_with_unstorable_text_or_deep_nesting_get_errors(user):
    _, issued = await sync_to_async(sign_in)(user)
    async with open_socket(issued.access_token) as comm:
        await comm.send_to(text_data='{"type": "typing", "conversation_id": "\\ud800x"}')
        await comm.send_to(text_data=json.dumps({"type": "presence", "state": "on\x00line"}))
        await comm.send_to(text_data='{"type": "ping", "x": ' + "[" * 100 + "]" * 100 + "}")
        errors = [await comm.receive_json_from(timeout=5) for _ in range(3)]
        assert [e["error"]["code"] for e in errors] == [
            "invalid_characters", "invalid_characters", "malformed_frame",
        ]  # fmt: skip
        await _pong(comm)  # still open


async def _pong(comm: WebsocketCommunicator) -> None:
    """A ping answered: every frame sent before it was handled (a consumer handles one
    message at a time), including the read of the log that follows ``ready``."""
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=5) == {"type": "pong"}


async def test_doorbells_carry_events_so_the_log_is_not_read(user, monkeypatch):
    reads: list[int] = []
    events_after = consumers.selectors.events_after

    def counted(**kwargs: Any) -> Any:
        reads.append(kwargs["after"])
        return events_after(**kwargs)

    monkeypatch.setattr(consumers.selectors, "events_after", counted)
    _, issued = await sync_to_async(sign_in)(user)
    async with open_socket(issued.access_token) as comm:
        await _pong(comm)
        reads.clear()
        # Nor does relaying go through the sync thread (channels' dispatch would, to close
        # stale database connections before each message).
        hops: list[None] = []
        monkeypatch.setattr(channels.db, "close_old_connections", lambda: hops.append(None))
        ids = await sync_to_async(publish_test_events)(user.pk, 3)
        frames = [await comm.receive_json_from(timeout=5) for _ in ids]
        assert [(f["type"], f["id"]) for f in frames] == [("event", i) for i in ids]
        assert reads == [] and hops == []
        assert await comm.receive_nothing(timeout=0.2)


@pytest.mark.parametrize(
    "mishap",
    [
        pytest.param([0, 1], id="the first doorbell lost: the next one reads the log"),
        pytest.param([2, 2], id="every doorbell heard twice: each event sent once"),
    ],
)
async def test_lost_or_repeated_doorbells_send_every_event_once_in_order(user, monkeypatch, mishap):
    real_ring = services.ring
    calls = 0

    def ring(doorbells: Any, **kwargs: Any) -> None:
        nonlocal calls
        for _ in range(mishap[min(calls, 1)]):  # how often this doorbell rings
            real_ring(doorbells, **kwargs)
        calls += 1

    monkeypatch.setattr(services, "ring", ring)
    _, issued = await sync_to_async(sign_in)(user)
    async with open_socket(issued.access_token) as comm:
        await _pong(comm)
        ids = await sync_to_async(publish_test_events)(user.pk, 2)
        frames = [await comm.receive_json_from(timeout=5) for _ in ids]
        assert [f["id"] for f in frames] == ids
        assert await comm.receive_nothing(timeout=0.3)


async def test_idle_poll_delivers_events_whose_doorbell_was_lost(user, monkeypatch):
    monkeypatch.setattr(poll, "POLL_SECONDS", 0.1)
    monkeypatch.setattr(services, "ring", lambda *args, **kwargs: None)
    _, issued = await sync_to_async(sign_in)(user)
    async with open_socket(issued.access_token) as comm:
        ids = await sync_to_async(publish_test_events)(user.pk, 2)
        frames = [await comm.receive_json_from(timeout=5) for _ in ids]
        assert [(f["type"], f["id"]) for f in frames] == [("event", i) for i in ids]


async def test_idle_poll_closes_a_socket_whose_close_message_was_lost(user, monkeypatch):
    monkeypatch.setattr(poll, "POLL_SECONDS", 0.1)
    monkeypatch.setattr(session_services, "close_auth_session_sockets", lambda *a, **k: None)
    _, issued = await sync_to_async(sign_in)(user)
    async with open_socket(issued.access_token) as comm:
        await sync_to_async(auth_session_revoke)(
            actor=user, session=issued.session, reason="revoked_by_user",
            context=RequestContext.system(),
        )  # fmt: skip
        code, frames = await closed_with(comm)
    assert code == 4401
    assert frames[-1]["error"]["code"] == "token_revoked"
    assert frames[-1]["error"]["details"] == {"reason": "revoked_by_user"}


async def test_a_device_command_reaches_only_its_device_then_a_lock_closes_it(user):
    _, phone = await sync_to_async(sign_in)(user, device_id="phone")
    _, tablet = await sync_to_async(sign_in)(user, device_id="tablet")
    async with (
        open_socket(phone.access_token) as on_phone,
        open_socket(tablet.access_token) as on_tablet,
    ):
        await sync_to_async(device_command_issue)(
            actor=None, device=phone.session.device, kind="lock",
            context=RequestContext.system(),
        )  # fmt: skip
        code, frames = await closed_with(on_phone)
        assert code == 4401
        assert [f["type"] for f in frames] == ["event", "error"]
        assert frames[0]["event"]["op"] == "command"
        assert frames[0]["event"]["command"]["kind"] == "lock"
        assert frames[1]["error"]["details"] == {"reason": "device_lock"}
        # the tablet's socket is told nothing and stays open
        await on_tablet.send_json_to({"type": "ping"})
        assert await on_tablet.receive_json_from(timeout=5) == {"type": "pong"}


async def test_a_policy_change_that_refuses_the_device_closes_its_socket_4403(user):
    _, issued = await sync_to_async(sign_in)(user, platform="android")
    async with open_socket(issued.access_token) as comm:

        def web_only() -> None:
            policy = policy_save(
                actor=None, policy=None, name="Только браузер", description="",
                rules={"allowed_platforms": ["web"]}, context=RequestContext.system(),
            )  # fmt: skip
            policy_assign(
                actor=None, policy=policy, scope="user", target=user,
                context=RequestContext.system(),
            )  # fmt: skip

        await sync_to_async(web_only)()
        code, frames = await closed_with(comm)
    assert code == 4403
    assert frames[0]["event"] == {"type": "policy", "op": "update"}
    assert frames[1]["error"]["code"] == "platform_not_allowed"


async def test_resume_cannot_reach_back_before_events_this_socket_sent(user):
    _, issued = await sync_to_async(sign_in)(user)
    (first,) = await sync_to_async(publish_test_events)(user.pk, 1)
    async with open_socket(issued.access_token) as comm:
        (live,) = await sync_to_async(publish_test_events)(user.pk, 1)
        assert (await comm.receive_json_from(timeout=5))["id"] == live
        # at or after the point the socket started from: nothing more is owed
        await comm.send_json_to({"type": "resume", "last_event_id": live})
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=5) == {"type": "pong"}
        await comm.send_json_to({"type": "resume", "last_event_id": first - 1})
        code, frames = await closed_with(comm)
    assert code == 4409
    assert [f["error"]["code"] for f in frames] == ["resume_too_late"]


@pytest.mark.parametrize("path", ["/ws/nope", "/ws", "/socket", "/ws/documents/x/"])
async def test_other_websocket_paths_are_refused_at_the_handshake(path):
    comm = WebsocketCommunicator(application, path)
    connected, _ = await comm.connect(timeout=5)
    assert not connected
