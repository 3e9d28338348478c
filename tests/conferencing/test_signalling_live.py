"""Signalling over live sockets: relayed only between the caller's device and the device
that answered, refused for everyone and everything else, rate limited, size limited; the
call's events reach exactly the right devices, also one that connects while it rings."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from conferencing import services
from conferencing.models import Call
from tests.conferencing.conftest import call_scene
from tests.conferencing.live_calls import (
    SIGNAL_BURST,
    calls_server,
    next_event,
    next_frame,
    quiet,
    rest,
)
from tests.helpers.live import live_env, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["calls_server", "live_env"]

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CANDIDATE = {
    "candidate": "candidate:1 1 UDP 2130706431 127.0.0.1 50000 typ host",
    "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd",
}  # fmt: skip


async def _error(ws, code):
    frame = await next_frame(ws)
    assert frame["type"] == "error" and frame["error"]["code"] == code, frame
    return frame["error"]


async def _pong(ws):
    await ws.send({"type": "ping"})
    assert (await next_frame(ws))["type"] == "pong"


async def test_a_call_signals_only_between_its_two_devices(calls_server):
    s = await sync_to_async(call_scene)()
    server, token = calls_server, s.token
    async with (
        ws_connect(server, token=token["alice"]) as alice,
        ws_connect(server, token=token["bob_phone"]) as phone,
        ws_connect(server, token=token["carol"]) as carol,
    ):
        for ws in (alice, phone, carol):
            await ws.recv_type("ready")
        async with ws_connect(server, token=token["bob_laptop"]) as laptop:
            head = (await laptop.recv_type("ready"))["last_event_id"]
        call = await sync_to_async(rest)(
            server, token["alice"], "POST", "calls", {"kind": "video", "callee_id": str(s.bob.pk)}
        )
        call_id = call["id"]
        assert (await next_event(phone, "incoming"))["call"]["id"] == call_id
        assert (await next_event(alice, "update"))["call"]["state"] == "ringing"
        # Bob's laptop connects while it rings: resuming its stream, it rings too.
        async with ws_connect(server, token=token["bob_laptop"], last_event_id=head) as laptop:
            await laptop.recv_type("ready")
            assert (await next_event(laptop, "incoming"))["call"]["id"] == call_id
            # Nobody may signal before the answer.
            await alice.send({"type": "call.signal", "call_id": call_id, "sdp": OFFER})
            assert (await _error(alice, "call_not_active"))["details"]["state"] == "ringing"

            await sync_to_async(rest)(server, token["bob_phone"], "POST", f"calls/{call_id}/accept")
            # The laptop hears of the answer (on another device) and stops ringing.
            accepted = await next_event(laptop, "update")
            assert accepted["call"]["accepted_device_id"] == str(s.session["bob_phone"].device_id)
            elsewhere = await next_event(laptop, "answered_elsewhere")
            assert elsewhere["call_id"] == call_id
            assert (await next_event(alice, "update"))["call"]["state"] == "accepted"
            assert (await next_event(phone, "update"))["call"]["state"] == "accepted"

            # Offer, answer, candidates, and an ICE restart (a new offer) later on.
            await alice.send({"type": "call.signal", "call_id": call_id, "sdp": OFFER})
            relayed = await next_frame(phone)
            assert relayed == {
                "type": "call.signal", "call_id": call_id, "from_user_id": str(s.alice.pk),
                "sdp": OFFER,
            }  # fmt: skip
            await phone.send({"type": "call.signal", "call_id": call_id, "sdp": ANSWER})
            assert (await next_frame(alice))["sdp"] == ANSWER
            await alice.send({"type": "call.signal", "call_id": call_id, "candidate": CANDIDATE})
            assert (await next_frame(phone))["candidate"] == CANDIDATE
            await phone.send({"type": "call.signal", "call_id": call_id, "candidate": None})
            assert (await next_frame(alice))["candidate"] is None
            restart = {"type": "offer", "sdp": OFFER["sdp"] + "a=ice-options:trickle\r\n"}
            await alice.send({"type": "call.signal", "call_id": call_id, "sdp": restart})
            assert (await next_frame(phone))["sdp"] == restart

            # Bob's other device may not signal; Carol, not in the call, learns nothing.
            await laptop.send({"type": "call.signal", "call_id": call_id, "sdp": ANSWER})
            await _error(laptop, "call_other_device")
            await carol.send({"type": "call.signal", "call_id": call_id, "sdp": OFFER})
            carol_error = await _error(carol, "call_not_found")
            await carol.send(
                {"type": "call.signal", "call_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                 "sdp": OFFER}
            )  # fmt: skip
            assert (await _error(carol, "call_not_found")) == carol_error  # the same answer
            await quiet(alice)
            await quiet(phone)
            await quiet(laptop)
            await quiet(carol)

            await sync_to_async(rest)(server, token["alice"], "POST", f"calls/{call_id}/hangup")
            for ws in (phone, laptop, alice):
                assert (await next_event(ws, "update"))["call"]["state"] == "ended"
                # ... and the call's system message in their direct chat.
                message = await next_frame(ws)
                assert message["event"]["op"] == "add", message
                assert message["event"]["message"]["system"]["call_state"] == "ended"
            await alice.send({"type": "call.signal", "call_id": call_id, "candidate": CANDIDATE})
            assert (await _error(alice, "call_not_active"))["details"]["state"] == "ended"
            await _pong(alice)
        await quiet(carol)


async def _answered_call(server, s, alice, phone):
    """Alice calls, Bob answers on his phone; their sockets have had the call's events."""
    call = await sync_to_async(rest)(
        server, s.token["alice"], "POST", "calls", {"kind": "audio", "callee_id": str(s.bob.pk)}
    )
    await sync_to_async(rest)(server, s.token["bob_phone"], "POST", f"calls/{call['id']}/accept")
    for ws, ops in ((alice, ("update", "update")), (phone, ("incoming", "update"))):
        for op in ops:
            await next_event(ws, op)
    return call["id"]


async def test_malformed_signals_are_refused_and_the_socket_stays_usable(calls_server):
    s = await sync_to_async(call_scene)()
    async with (
        ws_connect(calls_server, token=s.token["alice"]) as alice,
        ws_connect(calls_server, token=s.token["bob_phone"]) as phone,
    ):
        await alice.recv_type("ready")
        await phone.recv_type("ready")
        call_id = await _answered_call(calls_server, s, alice, phone)
        bad: list[dict[str, Any]] = [
            {},  # neither sdp nor candidate
            {"sdp": OFFER, "candidate": CANDIDATE},
            {"sdp": {"type": "rollback", "sdp": "v=0"}},
            {"sdp": {"type": "offer"}},
            {"sdp": {"type": "offer", "sdp": ""}},
            {"sdp": "v=0"},
            {"candidate": "candidate:1 1 UDP 1 127.0.0.1 1 typ host"},
            {"candidate": {**CANDIDATE, "sdpMLineIndex": -1}},
            {"candidate": {**CANDIDATE, "sdpMLineIndex": True}},
            {"candidate": {**CANDIDATE, "candidate": "x" * 3000}},
            {"candidate": {**CANDIDATE, "extra": 1}},
            {"candidate": CANDIDATE, "surprise": 1},
        ]
        for signal in bad:
            await alice.send({"type": "call.signal", "call_id": call_id, **signal})
            await _error(alice, "malformed_frame")
        await alice.send({"type": "call.signal", "sdp": OFFER})  # no call id
        await _error(alice, "call_not_found")
        await alice.send({"type": "call.signal", "call_id": 17, "sdp": OFFER})
        await _error(alice, "call_not_found")
        await alice.send_text('{"type": "call.signal", "call_id": ')  # not JSON
        await _error(alice, "malformed_frame")
        await quiet(phone)
        await _pong(alice)
        # Still signalling fine after all that.
        await alice.send({"type": "call.signal", "call_id": call_id, "sdp": OFFER})
        assert (await next_frame(phone))["sdp"] == OFFER


async def test_an_sdp_over_64_kb_is_refused_and_reaches_nobody(calls_server):
    s = await sync_to_async(call_scene)()
    async with (
        ws_connect(calls_server, token=s.token["alice"]) as alice,
        ws_connect(calls_server, token=s.token["bob_phone"]) as phone,
    ):
        await alice.recv_type("ready")
        await phone.recv_type("ready")
        call_id = await _answered_call(calls_server, s, alice, phone)
        huge = {"type": "offer", "sdp": "v=0\r\n" + "a=x-pad:" + "z" * (64 * 1024) + "\r\n"}
        await alice.send({"type": "call.signal", "call_id": call_id, "sdp": huge})
        code, frames = await alice.closed()
        assert code == 4413
        assert [f["error"]["code"] for f in frames if f["type"] == "error"] == ["frame_too_large"]
        await quiet(phone)
    # The limit holds whatever path brings the SDP: the service refuses it too.
    from conferencing.exceptions import SignalInvalid
    from conferencing.signalling import signal_parse

    with pytest.raises(SignalInvalid):
        signal_parse({"type": "call.signal", "call_id": call_id, "sdp": huge})
    assert signal_parse({"call_id": call_id, "sdp": OFFER}) == {"sdp": OFFER}


async def test_a_flood_of_candidates_is_rate_limited_and_the_socket_stays_usable(calls_server):
    s = await sync_to_async(call_scene)()
    sent = 5 * SIGNAL_BURST
    async with (
        ws_connect(calls_server, token=s.token["alice"]) as alice,
        ws_connect(calls_server, token=s.token["bob_phone"]) as phone,
    ):
        await alice.recv_type("ready")
        await phone.recv_type("ready")
        call_id = await _answered_call(calls_server, s, alice, phone)
        frame = json.dumps({"type": "call.signal", "call_id": call_id, "candidate": CANDIDATE})
        for _ in range(sent):
            await alice.send_text(frame)
        await alice.send({"type": "ping"})
        refused = 0
        for _ in range(sent + 1):
            answer = await next_frame(alice)
            if answer["type"] == "pong":
                break
            assert answer["error"]["code"] == "signal_rate_limited", answer
            assert answer["error"]["details"]["retry_after"] >= 1
            refused += 1
        relayed = 0
        while True:
            try:
                candidate = await next_frame(phone, timeout=3)
            except TimeoutError:
                break
            assert candidate["candidate"] == CANDIDATE
            relayed += 1
        # At most the burst plus one a second went through; the rest were refused.
        assert relayed + refused == sent
        assert SIGNAL_BURST <= relayed < sent and refused > 0
        await _pong(alice)


async def test_a_caller_whose_sockets_all_close_ends_the_call_after_the_grace(calls_server):
    s = await sync_to_async(call_scene)()
    async with ws_connect(calls_server, token=s.token["bob_phone"]) as phone:
        await phone.recv_type("ready")
        async with ws_connect(calls_server, token=s.token["alice"]) as alice:
            await alice.recv_type("ready")
            call_id = await _answered_call(calls_server, s, alice, phone)
        # Alice's only socket closed: the server stamps the call (bounded wait for the
        # server's hook), and the sweep ends it once the grace is over.
        stamped = None
        for _ in range(100):
            stamped = await sync_to_async(
                lambda: Call.objects.values_list("caller_lost_at", flat=True).get(pk=call_id)
            )()
            if stamped is not None:
                break
            await asyncio.sleep(0.05)
        assert stamped is not None
        later = timezone.now() + dt.timedelta(seconds=3600)
        assert await sync_to_async(services.calls_expire)(now=later) == 1
        assert (await next_event(phone, "update"))["call"]["state"] == "failed"
