"""Portal's TURN credentials against a real coturn on loopback: a fresh one allocates a
relay (and the relay carries data), an expired one or one of another secret is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint
from asgiref.sync import sync_to_async
from django.utils import timezone

from portal import clock
from tests.conferencing.coturn import Coturn, coturn
from tests.helpers.api import api_client

__all__ = ["coturn"]


@pytest.fixture
def turn_settings(settings, coturn: Coturn):
    settings.TURN_SECRET = coturn.secret
    settings.TURN_URLS = [coturn.url]
    settings.STUN_URLS = []
    settings.TURN_TTL = 600
    return settings


def _portal_turn_server(user: Any, at: dt.datetime | None = None) -> dict[str, Any]:
    """The TURN entry of ``GET /api/v1/calls/ice-servers`` for ``user``, as of ``at``."""
    client = api_client(user)
    if at is None:
        body = client.get("/api/v1/calls/ice-servers").json()
    else:
        with clock.frozen(at):
            body = client.get("/api/v1/calls/ice-servers").json()
    (server,) = body["ice_servers"]
    return dict(server)


class Collect(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[bytes, Any]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received.put_nowait((data, addr))


async def _allocate(coturn: Coturn, server: dict[str, Any]) -> tuple[Any, Collect]:
    host, port = server["urls"][0].removeprefix("turn:").split("?")[0].split(":")
    assert (host, int(port)) == ("127.0.0.1", coturn.port)
    return await asyncio.wait_for(
        create_turn_endpoint(
            Collect, server_addr=(host, int(port)), username=server["username"],
            password=server["credential"], lifetime=60,
        ),
        timeout=10,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
async def test_a_portal_credential_allocates_a_relay_on_coturn(turn_settings, coturn, user):
    server = await sync_to_async(_portal_turn_server)(user)
    assert server["username"].endswith(f":{user.pk}")
    transport, protocol = await _allocate(coturn, server)
    try:
        relayed = transport.get_extra_info("sockname")
        assert relayed[0] == "127.0.0.1"
        # The relay works: a datagram from a peer on loopback comes through it, and back.
        loop = asyncio.get_running_loop()
        peer_transport, peer = await loop.create_datagram_endpoint(
            Collect, local_addr=("127.0.0.1", 0)
        )
        try:
            peer_addr = peer_transport.get_extra_info("sockname")
            transport.sendto(b"hello from the relay", peer_addr)
            data, source = await asyncio.wait_for(peer.received.get(), 10)
            assert data == b"hello from the relay" and tuple(source) == tuple(relayed)
            peer_transport.sendto(b"and back", tuple(relayed))
            data, _ = await asyncio.wait_for(protocol.received.get(), 10)
            assert data == b"and back"
        finally:
            peer_transport.close()
    finally:
        transport.close()


async def _refused(coturn: Coturn, server: dict[str, Any]) -> int:
    with pytest.raises(stun.TransactionFailed) as failure:
        await _allocate(coturn, server)
    return int(failure.value.response.attributes["ERROR-CODE"][0])


@pytest.mark.django_db(transaction=True)
async def test_an_expired_credential_is_refused(turn_settings, coturn, user):
    # Issued two TTLs ago: its expiry (in the username) has passed.
    issued = timezone.now() - dt.timedelta(seconds=2 * turn_settings.TURN_TTL)
    server = await sync_to_async(_portal_turn_server)(user, issued)
    assert int(server["username"].split(":")[0]) < timezone.now().timestamp()
    assert await _refused(coturn, server) == 401


@pytest.mark.django_db(transaction=True)
async def test_a_credential_of_another_secret_or_a_changed_username_is_refused(
    turn_settings, coturn, user, other_user
):
    turn_settings.TURN_SECRET = "another-secret-of-another-server"
    forged = await sync_to_async(_portal_turn_server)(user)
    assert await _refused(coturn, forged) == 401
    turn_settings.TURN_SECRET = coturn.secret
    mine = await sync_to_async(_portal_turn_server)(user)
    # Someone else's name (or a later expiry) with this credential: refused.
    expiry = mine["username"].split(":")[0]
    stolen = {**mine, "username": f"{expiry}:{other_user.pk}"}
    assert await _refused(coturn, stolen) == 401
