"""Two real WebRTC peers (aiortc) set up a call purely through Portal: REST to call and
answer, ``call.signal`` over each one's own Portal websocket for the offer and answer, the
TURN credentials Portal hands out for a real coturn; then they talk over a data channel.
A third user, not in the call, can neither signal it nor learn of it.

Nothing leaves loopback: both peers use ``iceTransportPolicy: relay`` (aiortc passes it
to aioice, which then gathers no host or server-reflexive candidates, so no interface
address is ever bound, sent or probed): their only candidates are relays on the test's
coturn at 127.0.0.1, and the test asserts that every candidate and address in both
session descriptions is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from asgiref.sync import sync_to_async

from tests.conferencing.conftest import call_scene
from tests.conferencing.coturn import Coturn, coturn
from tests.conferencing.live_calls import next_event, next_frame, quiet, rest
from tests.helpers.live import LiveServer, live_env, start_daphne, stop_daphne, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["coturn", "live_env"]

IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


@pytest.fixture(scope="module")
def turn_server(
    live_env: dict[str, str], coturn: Coturn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A Portal that hands out credentials for the test's coturn (and nothing else)."""
    env = {**live_env, "TURN_SECRET": coturn.secret, "TURN_URLS": coturn.url, "STUN_URLS": ""}
    server = start_daphne(env, tmp_path_factory.mktemp("daphne") / "turn.log")
    yield server
    stop_daphne(server)


def _peer(ice: dict[str, Any]) -> RTCPeerConnection:
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice["ice_servers"]
    ]
    return RTCPeerConnection(
        RTCConfiguration(iceServers=servers, iceTransportPolicy=RTCIceTransportPolicy.RELAY)
    )


def _loopback_only(sdp: str) -> list[str]:
    """The candidate lines of an SDP, after checking that each is a relay on 127.0.0.1
    and that no other address appears anywhere in it."""
    candidates = [line for line in sdp.splitlines() if line.startswith("a=candidate:")]
    for line in candidates:
        fields = line.split()
        assert fields[4] == "127.0.0.1" and fields[7] == "relay", line
    assert set(IPV4.findall(sdp)) <= {"127.0.0.1", "0.0.0.0"}, sdp  # noqa: S104 (no bind)
    return candidates


async def test_two_aiortc_peers_talk_through_portal_signalling_and_its_turn(turn_server, coturn):
    s = await sync_to_async(call_scene)()
    server, token = turn_server, s.token
    ice = {
        who: await sync_to_async(rest)(server, token[who], "GET", "calls/ice-servers")
        for who in ("alice", "bob_phone")
    }
    assert [x["urls"] for x in ice["alice"]["ice_servers"]] == [[coturn.url]]
    caller, callee = _peer(ice["alice"]), _peer(ice["bob_phone"])
    exchanged: list[str] = []
    try:
        async with (
            ws_connect(server, token=token["alice"]) as alice,
            ws_connect(server, token=token["bob_phone"]) as phone,
            ws_connect(server, token=token["carol"]) as carol,
        ):
            for ws in (alice, phone, carol):
                await ws.recv_type("ready")
            call = await sync_to_async(rest)(
                server, token["alice"], "POST", "calls",
                {"kind": "audio", "callee_id": str(s.bob.pk)},
            )  # fmt: skip
            call_id = call["id"]
            assert (await next_event(phone, "incoming"))["call"]["id"] == call_id
            await sync_to_async(rest)(server, token["bob_phone"], "POST", f"calls/{call_id}/accept")
            await next_event(phone, "update")
            await next_event(alice, "update")  # ringing
            assert (await next_event(alice, "update"))["call"]["state"] == "accepted"

            # The callee answers whatever offer comes, and echoes on the data channel.
            echoed: asyncio.Queue[str] = asyncio.Queue()

            @callee.on("datachannel")
            def on_channel(channel: Any) -> None:
                @channel.on("message")
                def on_message(message: str) -> None:
                    channel.send(f"{message}, Алиса")

            channel = caller.createDataChannel("chat")
            opened = asyncio.Event()
            channel.on("open", opened.set)
            channel.on("message", echoed.put_nowait)

            # The offer: all candidates are in it (aiortc gathers before it answers).
            await caller.setLocalDescription(await caller.createOffer())
            offer = {"type": "offer", "sdp": caller.localDescription.sdp}
            exchanged += _loopback_only(offer["sdp"])
            await alice.send({"type": "call.signal", "call_id": call_id, "sdp": offer})
            relayed = await next_frame(phone, timeout=10)
            assert relayed["type"] == "call.signal" and relayed["from_user_id"] == str(s.alice.pk)
            await callee.setRemoteDescription(RTCSessionDescription(**relayed["sdp"]))
            await callee.setLocalDescription(await callee.createAnswer())
            answer = {"type": "answer", "sdp": callee.localDescription.sdp}
            exchanged += _loopback_only(answer["sdp"])
            await phone.send({"type": "call.signal", "call_id": call_id, "sdp": answer})
            relayed = await next_frame(alice, timeout=10)
            assert relayed["sdp"] == answer
            await caller.setRemoteDescription(RTCSessionDescription(**relayed["sdp"]))

            await asyncio.wait_for(opened.wait(), 30)
            channel.send("Привет")
            assert await asyncio.wait_for(echoed.get(), 30) == "Привет, Алиса"
            assert caller.connectionState == callee.connectionState == "connected"
            for peer in (caller, callee):  # what each ICE agent gathered and pairs with
                assert peer.sctp is not None
                ice_transport = peer.sctp.transport.transport
                local = ice_transport.iceGatherer.getLocalCandidates()
                remote = ice_transport.getRemoteCandidates()
                assert local and remote
                assert {(c.type, c.ip) for c in local + remote} == {("relay", "127.0.0.1")}

            # Carol, not in the call: refused, told nothing, and heard nothing of it.
            await carol.send({"type": "call.signal", "call_id": call_id, "sdp": offer})
            refused = await next_frame(carol)
            assert refused["type"] == "error"
            assert refused["error"]["code"] == "call_not_found"
            response = server.http().get(
                f"{server.url}/api/v1/calls/{call_id}", timeout=10,
                headers={"Authorization": f"Bearer {token['carol']}"},
            )  # fmt: skip
            assert response.status_code == 404
            await quiet(carol)
            await quiet(phone)  # her signal reached nobody

            await sync_to_async(rest)(server, token["alice"], "POST", f"calls/{call_id}/hangup")
            assert (await next_event(phone, "update"))["call"]["state"] == "ended"
    finally:
        await caller.close()
        await callee.close()
    assert exchanged and len(exchanged) >= 2  # each side offered at least one relay
