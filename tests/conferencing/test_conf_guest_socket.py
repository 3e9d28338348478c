"""The guest socket against a real daphne: a guest waits in the lobby, is admitted, and
learns it there; a removed guest's socket closes; nothing else gets in."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conferencing import services
from tests.factories.accounts import UserFactory
from tests.factories.conferencing import conference_for
from tests.helpers.api import sign_in
from tests.helpers.live import LiveServer, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
CLOSE_UNAUTHENTICATED = 4401


def _scene() -> dict[str, Any]:
    organizer = UserFactory.create()
    conference = conference_for(organizer)
    services.conference_join(actor=organizer, conference_id=conference.pk)
    _link, secret = services.guest_link_create(
        actor=organizer, conference_id=conference.pk, expires_in_minutes=30
    )
    guest, token = services.guest_join(link=secret, display_name="Гость")
    return {"organizer": organizer, "conference": conference, "guest": guest, "token": token}


def _guest_socket(server: LiveServer, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return connect(
        server.ws_url("/ws/conferences/guest/"), additional_headers=headers, proxy=None,
        open_timeout=5, close_timeout=2,
    )  # fmt: skip


async def _recv(conn: Any, timeout: float = 5) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(conn.recv(), timeout))


async def test_guest_learns_admission_and_removal_on_the_socket(daphne_server):
    scene = await sync_to_async(_scene)()
    conference, organizer = scene["conference"], scene["organizer"]
    async with _guest_socket(daphne_server) as conn:
        await conn.send(json.dumps({"type": "auth", "token": scene["token"]}))
        waiting = await _recv(conn)
        assert waiting["type"] == "conference.guest"
        assert waiting["participant"]["state"] == "lobby" and waiting["media"] is None
        assert waiting["participants"] == [] and waiting["conference"]["conversation_id"] is None
        await sync_to_async(services.participant_admit)(
            actor=organizer, conference_id=conference.pk, participant_id=scene["guest"].pk
        )
        admitted = await _recv(conn)
        assert admitted["participant"]["state"] == "joined"
        assert admitted["media"]["topology"] == "mesh" and len(admitted["media"]["peers"]) == 1
        assert [p["guest"] for p in admitted["participants"]] == [False, True]
        # A guest learns no user's id (review finding 12), on the socket as over REST.
        assert [p["user_id"] for p in admitted["participants"]] == [None, None]
        await conn.send(json.dumps({"type": "ping"}))
        assert await _recv(conn) == {"type": "pong"}
        await sync_to_async(services.participant_remove)(
            actor=organizer, conference_id=conference.pk, participant_id=scene["guest"].pk
        )
        removed = await _recv(conn)
        assert removed["participant"]["state"] == "removed" and removed["media"] is None
        with pytest.raises(ConnectionClosed):
            await _recv(conn)
        assert conn.close_code == CLOSE_UNAUTHENTICATED


async def test_only_a_valid_guest_pass_opens_the_guest_socket(daphne_server):
    scene = await sync_to_async(_scene)()
    user_token = (await sync_to_async(sign_in)(scene["organizer"]))[1].access_token
    for token in ("gst_forged", user_token):
        async with _guest_socket(daphne_server, token) as conn:
            error = await _recv(conn)
            assert error["type"] == "error" and error["error"]["code"] == "guest_token_invalid"
            with pytest.raises(ConnectionClosed):
                await _recv(conn)
            assert conn.close_code == CLOSE_UNAUTHENTICATED
    # The guest's pass opens no event socket of a user.
    async with ws_connect(daphne_server, token=scene["token"]) as ws:
        code, frames = await ws.closed()
        assert code == CLOSE_UNAUTHENTICATED
        assert frames[-1]["error"]["code"] == "token_invalid"
    # A header pass works as the auth frame does.
    async with _guest_socket(daphne_server, scene["token"]) as conn:
        assert (await _recv(conn))["participant"]["state"] == "lobby"
