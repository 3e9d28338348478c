"""The /ws/ protocol against real daphne servers (started through portal.server) sharing
PostgreSQL and Redis with the test process: authentication, ordered delivery, resume,
errors and size limits, closing on revocation, and two nodes of one cluster."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import os
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from portal import clock
from portal.accounts.services import auth_session_revoke, user_deactivate
from portal.audit.services import RequestContext
from portal.realtime import services
from portal.realtime.consumers import CLOSE_TOO_LARGE, MAX_FRAME_BYTES
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import MAX_MESSAGE_BYTES, LiveServer, publish_test_events, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


async def token_for(user: Any, **kwargs: Any) -> Any:
    """A real app sign-in; the issued tokens (``access_token``, ``session``)."""
    return (await sync_to_async(sign_in)(user, **kwargs))[1]


async def publish_to(user: Any, count: int, text: str = "") -> list[int]:
    return await sync_to_async(publish_test_events)(user.pk, count, text)


def event_ids(frames: list[dict[str, Any]]) -> list[int]:
    return [f["id"] for f in frames if f["type"] == "event"]


async def test_client_gets_events_then_exactly_the_three_it_missed_in_order(daphne_server, user):
    issued = await token_for(user)
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        ready = await ws.recv_type("ready")
        assert ready == {"type": "ready", "last_event_id": 0, "user_id": str(user.pk), "topics": {}}
        (first,) = await publish_to(user, 1, "live")
        frame = await ws.recv_type("event")
        assert frame == {
            "type": "event",
            "id": first,
            "event": {"type": "test", "op": "ping", "text": "live0"},
        }
    missed = await publish_to(user, 3, "missed")
    # resuming in the URL ...
    async with ws_connect(daphne_server, token=issued.access_token, last_event_id=first) as ws:
        assert (await ws.recv_type("ready"))["last_event_id"] == missed[-1]
        frames = await ws.recv_events(3)
        assert [f["id"] for f in frames] == missed
        assert [f["event"]["text"] for f in frames] == ["missed0", "missed1", "missed2"]
        await ws.assert_silent()
        (later,) = await publish_to(user, 1)
        assert (await ws.recv_type("event"))["id"] == later
    # ... or in a resume frame right after ready gives the same
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await ws.send({"type": "resume", "last_event_id": first})
        assert [f["id"] for f in await ws.recv_events(4)] == [*missed, later]
        await ws.assert_silent()


async def test_browser_session_cookie_works_from_our_own_pages_only(daphne_server, user):
    http = daphne_server.http()
    csrf = http.get(f"{daphne_server.url}/api/v1/auth/csrf").json()["csrf_token"]
    response = http.post(
        f"{daphne_server.url}/api/v1/auth/session",
        json={"login": user.login, "password": DEFAULT_PASSWORD, "otp": ""},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200, response.text
    cookies = http.cookies.get_dict()
    assert "sessionid" in cookies
    async with ws_connect(daphne_server, cookies=cookies, origin=daphne_server.origin) as ws:
        assert (await ws.recv_type("ready"))["user_id"] == str(user.pk)
        (event_id,) = await publish_to(user, 1)
        assert (await ws.recv_type("event"))["id"] == event_id
    # another site's page (or a client that sends no Origin) does not get to use the cookie
    for origin in ("http://evil.example", None):
        async with ws_connect(daphne_server, cookies=cookies, origin=origin) as ws:
            await ws.send({"type": "ping"})
            code, frames = await ws.closed()
        assert code == 4401
        assert [f["error"]["code"] for f in frames] == ["not_authenticated"]
    # signing out closes the browser's socket
    async with ws_connect(daphne_server, cookies=cookies, origin=daphne_server.origin) as ws:
        await ws.recv_type("ready")
        signed_out = http.delete(
            f"{daphne_server.url}/api/v1/auth/session",
            headers={"X-CSRFToken": http.cookies["csrftoken"]},
        )
        assert signed_out.status_code == 204
        code, frames = await ws.closed()
    assert code == 4401 and frames[-1]["error"]["code"] == "token_revoked"


async def test_auth_by_first_frame(daphne_server, user):
    issued = await token_for(user)
    (first, second) = await publish_to(user, 2)
    async with ws_connect(daphne_server) as ws:
        await ws.send({"type": "auth", "token": issued.access_token, "last_event_id": first})
        assert (await ws.recv_type("ready"))["last_event_id"] == second
        assert event_ids(await ws.recv_events(1)) == [second]
    # the URL's last_event_id applies to a socket that authenticates by frame too
    async with ws_connect(daphne_server, last_event_id=0) as ws:
        await ws.send({"type": "auth", "token": issued.access_token})
        await ws.recv_type("ready")
        assert event_ids(await ws.recv_events(2)) == [first, second]
        await ws.send({"type": "auth", "token": issued.access_token})
        assert (await ws.recv_type("error"))["error"]["code"] == "already_authenticated"


async def test_bad_tokens_are_refused_with_4401(daphne_server, user):
    with clock.frozen(timezone.now() - dt.timedelta(hours=2)):
        expired = (await token_for(user, device_id="old-phone")).access_token
    revoked = await token_for(user, device_id="lost-phone")
    await sync_to_async(auth_session_revoke)(
        actor=user, session=revoked.session, reason="revoked_by_user",
        context=RequestContext.system(),
    )  # fmt: skip
    cases = [
        ("nonsense", "token_invalid"),
        ("pat_" + "x" * 43, "token_invalid"),
        (expired, "token_expired"),
        (revoked.access_token, "token_revoked"),
    ]
    for token, error_code in cases:
        async with ws_connect(daphne_server, token=token) as ws:
            closed = await ws.closed()
        assert closed[0] == 4401, (token, closed)
        assert [f["error"]["code"] for f in closed[1]] == [error_code]
        async with ws_connect(daphne_server) as ws:
            await ws.send({"type": "auth", "token": token})
            closed = await ws.closed()
        assert closed[0] == 4401, (token, closed)
        assert [f["error"]["code"] for f in closed[1]] == [error_code]
    async with ws_connect(daphne_server) as ws:
        await ws.send_text("not json")
        code, frames = await ws.closed()
    assert code == 4401 and [f["error"]["code"] for f in frames] == ["malformed_frame"]


async def test_no_auth_frame_in_time_closes_4408(daphne_server, db):
    async with ws_connect(daphne_server) as ws:
        code, frames = await ws.closed(timeout=5)
    assert code == 4408
    assert [f["error"]["code"] for f in frames] == ["auth_timeout"]


async def test_resume_from_the_future_is_refused_and_sends_nothing(daphne_server, user):
    issued = await token_for(user)
    head = (await publish_to(user, 2))[-1]
    async with ws_connect(daphne_server, token=issued.access_token, last_event_id=head + 1) as ws:
        code, frames = await ws.closed()
    assert code == 4400
    assert [f["error"]["code"] for f in frames] == ["invalid_event_id"]
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await ws.send({"type": "resume", "last_event_id": head + 1000})
        code, frames = await ws.closed()
    assert code == 4400
    assert [f["error"]["code"] for f in frames] == ["invalid_event_id"]


async def test_resume_with_another_users_event_id_leaks_nothing(daphne_server, user, other_user):
    issued = await token_for(user)
    await publish_to(user, 1)
    theirs = await publish_to(other_user, 2, "secret")
    await publish_to(user, 1)
    for query in ({"last_event_id": theirs[0]}, {"last_event_id": "abc"}):
        async with ws_connect(daphne_server, token=issued.access_token, **query) as ws:
            code, frames = await ws.closed()
        assert code == 4400
        assert [f["type"] for f in frames] == ["error"]
        assert frames[0]["error"]["code"] == "invalid_event_id"
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await ws.send({"type": "resume", "last_event_id": theirs[0]})
        code, frames = await ws.closed()
    assert code == 4400
    assert [f["type"] for f in frames] == ["error"]
    assert "secret" not in str(frames)


async def test_resume_below_pruned_through_asks_for_resync_then_goes_live(daphne_server, user):
    issued = await token_for(user)
    with clock.frozen(timezone.now() - dt.timedelta(days=30)):
        old = await publish_to(user, 2)
    await sync_to_async(services.event_log_prune)()
    async with ws_connect(daphne_server, token=issued.access_token, last_event_id=old[0]) as ws:
        assert (await ws.recv_type("ready"))["last_event_id"] == old[1]
        await ws.recv_type("resync_required")
        await ws.assert_silent()
        (new,) = await publish_to(user, 1)
        assert (await ws.recv_type("event"))["id"] == new


async def test_bad_frames_get_error_frames_and_the_socket_stays_open(daphne_server, user):
    issued = await token_for(user)
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        for text, error_code in [
            ("{not json", "malformed_frame"),
            ("[1, 2]", "malformed_frame"),
            ("[" * 30_000, "malformed_frame"),
            ('{"no": "type"}', "malformed_frame"),
            ('{"type": "subscribe"}', "unknown_frame_type"),
        ]:
            await ws.send_text(text)
            error = await ws.recv_type("error")
            assert error["error"]["code"] == error_code
            assert error["error"]["message"] and error["error"]["details"] is not None
            await ws.send({"type": "ping"})
            assert await ws.recv() == {"type": "pong"}


def ping_of(size: int) -> str:
    """A ping frame of exactly ``size`` UTF-8 bytes (the limit counts bytes: 2 per "я")."""
    text = '{"type":"ping","pad":"' + "я" * ((size - 24) // 2) + "x" * (size % 2) + '"}'
    assert len(text.encode()) == size
    return text


async def test_a_message_over_64_kb_is_refused_and_one_over_the_server_limit_closed(
    daphne_server, user
):
    issued = await token_for(user)
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await ws.send_text(ping_of(MAX_FRAME_BYTES))
        assert await ws.recv() == {"type": "pong"}
        # the event socket's own limit: told why, then closed
        await ws.send_text(ping_of(MAX_FRAME_BYTES + 1))
        code, frames = await ws.closed()
    assert code == CLOSE_TOO_LARGE
    assert [f["error"]["code"] for f in frames] == ["frame_too_large"]
    # the limit is on the message, not only on each of its frames
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await ws.conn.send(["x" * 40_000, "x" * 40_000])
        code, frames = await ws.closed()
    assert code == CLOSE_TOO_LARGE
    # over the server's limit (1 MiB): refused before the application reads it, no frame
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await ws.send_text(ping_of(MAX_MESSAGE_BYTES + 1))
        code, frames = await ws.closed()
    assert code == 1009 and frames == []


def raw_frame(opcode: int, payload: bytes, *, masked: bool = True, length: int = 0) -> bytes:
    """A client frame as bytes, its length field saying ``length`` if that is larger than
    the payload (a message that is still being sent). The mask is zero: the payload as is."""
    length = max(length, len(payload))
    if length < 126:
        head = bytes([0x80 | opcode, (0x80 if masked else 0) | length])
    else:
        head = bytes([0x80 | opcode, (0x80 if masked else 0) | 127]) + length.to_bytes(8)
    return head + (b"\0\0\0\0" if masked else b"") + payload


async def read_raw_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next server frame: its opcode and payload."""
    first, length = await asyncio.wait_for(reader.readexactly(2), 5)
    if length in (126, 127):
        length = int.from_bytes(await reader.readexactly(2 if length == 126 else 8))
    return first & 0x0F, await reader.readexactly(length)


@pytest.mark.parametrize(
    ("frame", "close_code"),
    [
        (raw_frame(1, b'{"type": "ping"}', masked=False), 1002),  # clients must mask
        (raw_frame(2, b"x" * 1000, length=(1 << 20) + 1), 1009),  # over 1 MiB announced
    ],
    ids=["unmasked", "too-big-unfinished"],
)
async def test_a_broken_client_gets_a_close_frame_and_is_cut_off_if_it_does_not_answer(
    daphne_server, user, frame, close_code
):
    issued = await token_for(user)
    reader, writer = await asyncio.open_connection("127.0.0.1", daphne_server.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{daphne_server.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {key}\r\nAuthorization: Bearer {issued.access_token}\r\n\r\n"
        .encode()
    )  # fmt: skip
    try:
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101 ")
        assert b'"ready"' in (await read_raw_frame(reader))[1]
        writer.write(frame)
        opcode, payload = await read_raw_frame(reader)
        assert (opcode, int.from_bytes(payload[:2])) == (8, close_code)  # a close frame
        # The client never answers the close: the server drops the connection after its
        # closing handshake timeout (1 s) rather than waiting for the rest of the frame.
        with contextlib.suppress(ConnectionResetError):
            async with asyncio.timeout(3):
                while await reader.read(65536):
                    pass
    finally:
        writer.close()


async def test_revoking_a_session_over_rest_closes_its_socket(daphne_server, user):
    phone = await token_for(user, device_id="phone")
    laptop = await token_for(user, device_id="laptop")
    async with ws_connect(daphne_server, token=phone.access_token) as ws:
        await ws.recv_type("ready")
        response = await asyncio.to_thread(
            daphne_server.http().delete,
            f"{daphne_server.url}/api/v1/auth/sessions/{phone.session.pk}",
            headers={"Authorization": f"Bearer {laptop.access_token}"},
        )
        assert response.status_code == 204
        code, frames = await ws.closed()
    assert code == 4401
    assert frames[-1]["error"]["code"] == "token_revoked"
    assert frames[-1]["error"]["details"] == {"reason": "revoked_by_user"}


async def test_deactivating_the_user_closes_every_socket(daphne_server, user):
    tokens = [await token_for(user, device_id=d) for d in ("phone", "laptop")]
    async with (
        ws_connect(daphne_server, token=tokens[0].access_token) as a,
        ws_connect(daphne_server, token=tokens[1].access_token) as b,
    ):
        for ws in (a, b):
            await ws.recv_type("ready")
        await sync_to_async(user_deactivate)(actor=None, user=user, context=RequestContext.system())
        for ws in (a, b):
            code, frames = await ws.closed()
            assert code == 4401
            assert frames[-1]["error"]["details"] == {"reason": "deactivated"}


async def test_two_nodes_share_events_and_revocations(
    daphne_server: LiveServer, daphne_server_b: LiveServer, user: Any, other_user: Any
) -> None:
    phone = await token_for(user, device_id="phone")
    laptop = await token_for(user, device_id="laptop")
    outsider = await token_for(other_user)
    async with (
        ws_connect(daphne_server, token=phone.access_token) as on_a,
        ws_connect(daphne_server_b, token=laptop.access_token) as on_b,
        ws_connect(daphne_server, token=outsider.access_token) as outsider_on_a,
    ):
        for ws in (on_a, on_b, outsider_on_a):
            await ws.recv_type("ready")
        ids = await publish_to(user, 2)
        assert event_ids(await on_a.recv_events(2)) == ids
        assert event_ids(await on_b.recv_events(2)) == ids
        await outsider_on_a.assert_silent()
        # a revocation handled by node B closes the socket held by node A
        response = await asyncio.to_thread(
            daphne_server_b.http().delete,
            f"{daphne_server_b.url}/api/v1/auth/sessions/{phone.session.pk}",
            headers={"Authorization": f"Bearer {laptop.access_token}"},
        )
        assert response.status_code == 204
        assert (await on_a.closed())[0] == 4401
        await on_b.send({"type": "ping"})
        assert await on_b.recv() == {"type": "pong"}


async def test_static_files_are_served_outside_production(daphne_server, db):
    response = await asyncio.to_thread(
        daphne_server.http().get,
        f"{daphne_server.url}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    )
    assert response.status_code == 200


async def test_send_test_event_reaches_a_connected_client(daphne_server, db):
    user = await sync_to_async(UserFactory.create)()
    issued = await token_for(user)
    async with ws_connect(daphne_server, token=issued.access_token) as ws:
        await ws.recv_type("ready")
        await sync_to_async(services.test_event_send)(
            actor=None, user=user, text="проверка связи", context=RequestContext.system()
        )
        frame = await ws.recv_type("event")
        assert frame["event"] == {"type": "test", "op": "ping", "text": "проверка связи"}
