"""Typing and presence over live sockets: short-lived frames to exactly the right people."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from messaging.services import conversation_create, direct_conversation
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, sign_in
from tests.helpers.live import daphne_server, live_env, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["daphne_server", "live_env"]


def _scene() -> dict[str, Any]:
    alice, bob, carol = (UserFactory.create(login=n) for n in ("alice", "bob", "carol"))
    direct = direct_conversation(actor=alice, other=bob)
    other = conversation_create(actor=carol, kind="group", title="Без Алисы", member_ids=[])
    return {
        "alice": alice, "bob": bob, "direct": direct, "other": other,
        "alice_token": sign_in(alice)[1].access_token, "bob_token": sign_in(bob)[1].access_token,
    }  # fmt: skip


async def _next_of(ws: Any, type_: str) -> dict[str, Any]:
    while True:
        frame = await ws.recv(timeout=5)
        if frame["type"] == type_:
            return frame


async def test_typing_and_presence(daphne_server):
    s = await sync_to_async(_scene)()
    async with ws_connect(daphne_server, token=s["bob_token"]) as bob:
        await bob.recv_type("ready")
        async with ws_connect(daphne_server, token=s["alice_token"]) as alice:
            await alice.recv_type("ready")
            online = await _next_of(bob, "presence")
            assert online == {"type": "presence", "user_id": str(s["alice"].pk), "state": "online"}
            await alice.send({"type": "typing", "conversation_id": str(s["direct"].pk)})
            typing = await _next_of(bob, "typing")
            assert typing["user_id"] == str(s["alice"].pk) and typing["expires_in"] == 6
            await alice.assert_silent()  # the typist does not get their own frame
            # typing where she is not a member: an error frame, the socket stays open
            await alice.send({"type": "typing", "conversation_id": str(s["other"].pk)})
            error = await alice.recv_type("error")
            assert error["error"]["code"] == "conversation_not_found"
            await alice.send({"type": "presence", "state": "away"})
            assert (await _next_of(bob, "presence"))["state"] == "away"
            await alice.send({"type": "ping"})
            assert (await alice.recv_type("pong"))["type"] == "pong"
            presence = await sync_to_async(
                lambda: (
                    api_client(s["bob"])
                    .get("/api/v1/presence", {"user_ids": str(s["alice"].pk)})
                    .json()
                )
            )()
            assert presence == {"presence": {str(s["alice"].pk): "away"}}
        offline = await _next_of(bob, "presence")
        assert offline["state"] == "offline"
