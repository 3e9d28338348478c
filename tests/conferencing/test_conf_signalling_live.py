"""Mesh signalling of conferences over live sockets: relayed only between joined
participants of the same running mesh conference — signed-in users on the event socket,
admitted guests on the guest socket — to the target's own sockets, stamped with the
sender's participant id; refused (an error frame, nothing relayed) for everyone and
everything else; rate limited and size limited as call signalling is."""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conferencing import services
from tests.conferencing.live_calls import SIGNAL_BURST, calls_server, quiet, rest
from tests.factories.accounts import UserFactory
from tests.factories.conferencing import conference_for
from tests.helpers.api import sign_in
from tests.helpers.live import LiveServer, WsClient, live_env, ws_connect
from tests.helpers.schema import assert_frame_matches_schema

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["calls_server", "live_env"]

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CANDIDATE = {
    "candidate": "candidate:1 1 UDP 2130706431 127.0.0.1 50000 typ host",
    "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd",
}  # fmt: skip
HUGE = {"type": "offer", "sdp": "v=0\r\n" + "a=x-pad:" + "z" * (64 * 1024) + "\r\n"}
CLOSE_TOO_LARGE = 4413
CLOSE_UNAUTHENTICATED = 4401


def _scene() -> SimpleNamespace:
    """The organizer and two invitees of a meeting starting now (Alice signed in on two
    devices), an outsider, Dave in a meeting of his own, and a guest link."""
    organizer, alice, bob, outsider, dave = (
        UserFactory.create(login=n) for n in ("organizer", "alice", "bob", "outsider", "dave")
    )
    conference = conference_for(organizer, invitee_ids=[alice.pk, bob.pk])
    other = conference_for(dave, title="Другая встреча")
    _link, secret = services.guest_link_create(
        actor=organizer, conference_id=conference.pk, expires_in_minutes=30
    )
    devices = {
        "organizer": organizer, "alice": alice, "alice_laptop": alice, "bob": bob,
        "outsider": outsider, "dave": dave,
    }  # fmt: skip
    return SimpleNamespace(
        id=str(conference.pk), other=str(other.pk), link=secret,
        token={name: sign_in(user)[1].access_token for name, user in devices.items()},
    )  # fmt: skip


def _join(server: LiveServer, token: str, conference_id: str) -> dict[str, Any]:
    return rest(server, token, "POST", f"conferences/{conference_id}/join")


def _guest_join(server: LiveServer, link: str, name: str) -> dict[str, Any]:
    response = server.http().post(
        f"{server.url}/api/v1/conferences/guest-join",
        json={"link": link, "display_name": name}, timeout=10,
    )  # fmt: skip
    assert response.status_code == 201, response.text[:500]
    return response.json()


class GuestSocket:
    """A guest's socket: their snapshots (``conference.guest``) and the signals to them."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.snapshot: dict[str, Any] = {}

    async def send(self, frame: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        """The next frame that is not a snapshot (the last one is kept)."""
        for _ in range(20):
            frame = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
            if frame["type"] != "conference.guest":
                return frame
            self.snapshot = frame
        raise AssertionError("only snapshots")

    async def until_state(self, state: str) -> dict[str, Any]:
        for _ in range(20):
            frame = json.loads(await asyncio.wait_for(self.conn.recv(), 5))
            assert frame["type"] == "conference.guest", frame
            if frame["participant"]["state"] == state:
                self.snapshot = frame
                return frame
        raise AssertionError(f"never {state}")

    async def quiet(self, within: float = 0.5) -> None:
        try:
            frame = await self.recv(timeout=within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {frame!r}")


def _guest_socket(server: LiveServer, token: str) -> Any:
    return connect(
        server.ws_url("/ws/conferences/guest/"), proxy=None, open_timeout=5, close_timeout=2,
        additional_headers={"Authorization": f"Bearer {token}"}, max_size=None,
    )  # fmt: skip


# Frames beside the signals: presence, and the conference's own events.
SKIPPED = ("presence", "typing", "event")


async def signal_of(ws: WsClient, *, timeout: float = 5) -> dict[str, Any]:
    """The next frame that is not presence or an event: a signal, an error, a pong."""
    for _ in range(50):
        frame = await ws.recv(timeout=timeout)
        if frame["type"] not in SKIPPED:
            return frame
    raise AssertionError("only events")


async def no_signal(ws: WsClient, within: float = 0.5) -> None:
    """Nothing but presence and events arrives for ``within`` seconds."""
    try:
        frame = await signal_of(ws, timeout=within)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected frame {frame!r}")


async def _error(ws: WsClient | GuestSocket, code: str) -> dict[str, Any]:
    frame = await (ws.recv() if isinstance(ws, GuestSocket) else signal_of(ws))
    assert frame["type"] == "error" and frame["error"]["code"] == code, frame
    return frame["error"]


def _signal(conference_id: str, to: str, **signal: Any) -> dict[str, Any]:
    return {"type": "conference.signal", "conference_id": conference_id, "to": to, **signal}


async def test_signals_go_between_joined_participants_guests_included(calls_server):
    server = calls_server
    s = await sync_to_async(_scene)()
    t = s.token
    org = (await sync_to_async(_join)(server, t["organizer"], s.id))["participant"]["id"]
    alice = (await sync_to_async(_join)(server, t["alice"], s.id))["participant"]["id"]
    bob = (await sync_to_async(_join)(server, t["bob"], s.id))["participant"]["id"]
    await sync_to_async(_join)(server, t["dave"], s.other)
    guest = await sync_to_async(_guest_join)(server, s.link, "Гость из министерства")
    waiting = await sync_to_async(_guest_join)(server, s.link, "Ждущий гость")
    guest_id, waiting_id = guest["participant"]["id"], waiting["participant"]["id"]
    async with (
        ws_connect(server, token=t["organizer"]) as org_ws,
        ws_connect(server, token=t["alice"]) as alice_ws,
        ws_connect(server, token=t["alice_laptop"]) as laptop_ws,
        ws_connect(server, token=t["bob"]) as bob_ws,
        ws_connect(server, token=t["outsider"]) as outsider_ws,
        ws_connect(server, token=t["dave"]) as dave_ws,
        _guest_socket(server, guest["token"]) as guest_conn,
        _guest_socket(server, waiting["token"]) as waiting_conn,
    ):
        sockets = (org_ws, alice_ws, laptop_ws, bob_ws, outsider_ws, dave_ws)
        for ws in sockets:
            await ws.recv_type("ready")
        guest_ws, waiting_ws = GuestSocket(guest_conn), GuestSocket(waiting_conn)
        await guest_ws.until_state("lobby")
        await waiting_ws.until_state("lobby")

        # A guest in the lobby may not signal, nor be signalled.
        await guest_ws.send(_signal(s.id, alice, sdp=OFFER))
        await _error(guest_ws, "not_in_conference")
        await alice_ws.send(_signal(s.id, guest_id, sdp=OFFER))
        await _error(alice_ws, "participant_not_found")

        await sync_to_async(rest)(
            server, t["organizer"], "POST", f"conferences/{s.id}/participants/{guest_id}/admit"
        )
        admitted = await guest_ws.until_state("joined")
        assert sorted(admitted["media"]["peers"]) == sorted([org, alice, bob])

        # Users: offer, answer, candidates, end of candidates.
        await alice_ws.send(_signal(s.id, org, sdp=OFFER))
        assert await signal_of(org_ws) == {
            "type": "conference.signal",
            "conference_id": s.id,
            "from": alice,
            "sdp": OFFER,
        }
        await org_ws.send(_signal(s.id, alice, sdp=ANSWER))
        assert await signal_of(alice_ws) == {
            "type": "conference.signal",
            "conference_id": s.id,
            "from": org,
            "sdp": ANSWER,
        }
        await alice_ws.send(_signal(s.id, org, candidate=CANDIDATE))
        assert (await signal_of(org_ws))["candidate"] == CANDIDATE
        await org_ws.send(_signal(s.id, alice, candidate=None))
        assert (await signal_of(alice_ws))["candidate"] is None

        # A guest and a signed-in user, both ways.
        await guest_ws.send(_signal(s.id, alice, sdp=OFFER))
        from_guest = await signal_of(alice_ws)
        assert from_guest == {
            "type": "conference.signal",
            "conference_id": s.id,
            "from": guest_id,
            "sdp": OFFER,
        }
        await alice_ws.send(_signal(s.id, guest_id, sdp=ANSWER))
        to_guest = await guest_ws.recv()
        assert_frame_matches_schema(to_guest)
        assert to_guest == {
            "type": "conference.signal",
            "conference_id": s.id,
            "from": alice,
            "sdp": ANSWER,
        }
        await guest_ws.send(_signal(s.id, org, candidate=CANDIDATE))
        assert (await signal_of(org_ws))["from"] == guest_id
        await org_ws.send(_signal(s.id, guest_id, candidate=None))
        assert (await guest_ws.recv())["from"] == org

        # Alice's other device is not the one she joined from; nobody signals themself,
        # anyone in the lobby, or someone not in the meeting; bad frames are refused.
        await laptop_ws.send(_signal(s.id, org, sdp=OFFER))
        await _error(laptop_ws, "conference_other_device")
        for to in (alice, waiting_id, str(uuid.uuid4()), "17"):
            await alice_ws.send(_signal(s.id, to, sdp=OFFER))
            await _error(alice_ws, "participant_not_found")
        await waiting_ws.send(_signal(s.id, alice, sdp=OFFER))
        await _error(waiting_ws, "not_in_conference")
        await alice_ws.send({**_signal(s.id, org, sdp=OFFER), "call_id": s.id})
        await _error(alice_ws, "malformed_frame")
        await guest_ws.send(_signal(s.id, org, sdp=OFFER, candidate=CANDIDATE))
        await _error(guest_ws, "malformed_frame")

        # Another meeting's participant, and outsiders, learn nothing of this one.
        await dave_ws.send(_signal(s.other, alice, sdp=OFFER))
        await _error(dave_ws, "participant_not_found")
        await dave_ws.send(_signal(s.id, alice, sdp=OFFER))
        unseen = await _error(dave_ws, "conference_not_found")
        await outsider_ws.send(_signal(s.id, org, sdp=OFFER))
        assert await _error(outsider_ws, "conference_not_found") == unseen
        await outsider_ws.send(_signal(str(uuid.uuid4()), org, sdp=OFFER))
        assert await _error(outsider_ws, "conference_not_found") == unseen
        await guest_ws.send(_signal(s.other, alice, sdp=OFFER))
        await _error(guest_ws, "conference_not_found")

        # Someone removed may not signal, nor be signalled.
        await sync_to_async(rest)(
            server, t["organizer"], "POST", f"conferences/{s.id}/participants/{bob}/remove"
        )
        await bob_ws.send(_signal(s.id, alice, sdp=OFFER))
        await _error(bob_ws, "removed_from_conference")
        await guest_ws.send(_signal(s.id, bob, sdp=OFFER))
        await _error(guest_ws, "participant_not_found")

        # Nothing reached anyone it was not for.
        await no_signal(laptop_ws)
        await no_signal(bob_ws)
        await quiet(outsider_ws)
        await quiet(dave_ws)
        await no_signal(org_ws)
        await no_signal(alice_ws)
        await waiting_ws.quiet()

        # Over for everyone: nobody signals any more.
        await sync_to_async(rest)(server, t["organizer"], "POST", f"conferences/{s.id}/end")
        await alice_ws.send(_signal(s.id, org, sdp=OFFER))
        await _error(alice_ws, "conference_ended")
        with pytest.raises(ConnectionClosed):
            await guest_ws.recv()
        assert guest_conn.close_code == CLOSE_UNAUTHENTICATED
        await no_signal(org_ws)


async def _two_joined_and_a_guest(server: LiveServer) -> tuple[SimpleNamespace, dict[str, Any]]:
    s = await sync_to_async(_scene)()
    s.org = (await sync_to_async(_join)(server, s.token["organizer"], s.id))["participant"]["id"]
    s.alice = (await sync_to_async(_join)(server, s.token["alice"], s.id))["participant"]["id"]
    guest = await sync_to_async(_guest_join)(server, s.link, "Гость")
    await sync_to_async(rest)(
        server, s.token["organizer"], "POST",
        f"conferences/{s.id}/participants/{guest['participant']['id']}/admit",
    )  # fmt: skip
    return s, guest


async def _flood(ws: WsClient | GuestSocket, frame: dict[str, Any], sent: int) -> int:
    """Send ``frame`` ``sent`` times, then a ping; how many were refused as a flood (the
    socket answers the ping: it stays usable)."""
    text = json.dumps(frame)
    for _ in range(sent):
        await ws.conn.send(text)
    await ws.send({"type": "ping"})
    for refused in range(sent + 1):
        answer = await (ws.recv() if isinstance(ws, GuestSocket) else signal_of(ws))
        if answer["type"] == "pong":
            return refused
        assert answer["error"]["code"] == "signal_rate_limited", answer
        assert answer["error"]["details"]["retry_after"] >= 1
    raise AssertionError("no pong")


async def _relayed(ws: WsClient) -> int:
    relayed = 0
    while True:
        try:
            frame = await signal_of(ws, timeout=3)
        except TimeoutError:
            return relayed
        assert frame["type"] == "conference.signal" and frame["candidate"] == CANDIDATE, frame
        relayed += 1


async def test_a_flood_is_rate_limited_on_both_sockets_and_they_stay_usable(calls_server):
    s, guest = await _two_joined_and_a_guest(calls_server)
    sent = 5 * SIGNAL_BURST
    async with (
        ws_connect(calls_server, token=s.token["organizer"]) as org_ws,
        ws_connect(calls_server, token=s.token["alice"]) as alice_ws,
        _guest_socket(calls_server, guest["token"]) as guest_conn,
    ):
        await org_ws.recv_type("ready")
        await alice_ws.recv_type("ready")
        guest_ws = GuestSocket(guest_conn)
        await guest_ws.until_state("joined")
        for flooder in (alice_ws, guest_ws):
            refused = await _flood(flooder, _signal(s.id, s.org, candidate=CANDIDATE), sent)
            relayed = await _relayed(org_ws)
            # At most the burst plus one a second went through; the rest were refused.
            assert relayed + refused == sent
            assert SIGNAL_BURST <= relayed < sent and refused > 0
        # Still signalling fine afterwards (a token has come back within the wait).
        await guest_ws.send(_signal(s.id, s.alice, sdp=OFFER))
        assert (await signal_of(alice_ws))["sdp"] == OFFER


async def test_an_sdp_over_64_kb_closes_the_socket_and_reaches_nobody(calls_server):
    s, guest = await _two_joined_and_a_guest(calls_server)
    async with (
        ws_connect(calls_server, token=s.token["organizer"]) as org_ws,
        ws_connect(calls_server, token=s.token["alice"]) as alice_ws,
        _guest_socket(calls_server, guest["token"]) as guest_conn,
    ):
        await org_ws.recv_type("ready")
        await alice_ws.recv_type("ready")
        guest_ws = GuestSocket(guest_conn)
        await guest_ws.until_state("joined")
        await alice_ws.send(_signal(s.id, s.org, sdp=HUGE))
        code, frames = await alice_ws.closed()
        assert code == CLOSE_TOO_LARGE
        assert [f["error"]["code"] for f in frames if f["type"] == "error"] == ["frame_too_large"]
        await guest_ws.send(_signal(s.id, s.org, sdp=HUGE))
        assert (await guest_ws.recv())["error"]["code"] == "frame_too_large"
        with pytest.raises(ConnectionClosed):
            await guest_ws.recv()
        assert guest_conn.close_code == CLOSE_TOO_LARGE
        await no_signal(org_ws)
