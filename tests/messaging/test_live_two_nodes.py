"""Two daphne processes behind the same Redis: a message posted through one server's REST
API reaches a member's socket on the other, once, with the next sequence number."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from messaging.services import conversation_create
from tests.factories.accounts import UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import daphne_server, daphne_server_b, live_env, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["daphne_server", "daphne_server_b", "live_env"]


def _scene() -> dict[str, Any]:
    author, reader = UserFactory.create(login="author"), UserFactory.create(login="reader")
    group = conversation_create(actor=author, kind="group", title="Два узла",
                                member_ids=[reader.pk])  # fmt: skip
    return {
        "group": group,
        "author_token": sign_in(author)[1].access_token,
        "reader_token": sign_in(reader)[1].access_token,
    }


async def test_post_on_node_a_arrives_on_node_b(daphne_server, daphne_server_b):
    s = await sync_to_async(_scene)()
    async with ws_connect(daphne_server_b, token=s["reader_token"]) as reader:
        await reader.recv_type("ready")
        http = daphne_server.http()
        http.headers["Authorization"] = f"Bearer {s['author_token']}"
        for n in range(3):
            response = await sync_to_async(http.post)(
                f"{daphne_server.url}/api/v1/conversations/{s['group'].pk}/messages",
                json={"client_id": str(uuid.uuid4()), "body": f"Сообщение {n}"},
                timeout=10,
            )
            assert response.status_code == 201, response.text
        frames = await reader.recv_events(3)
        bodies = [f["event"]["message"]["body"] for f in frames]
        assert bodies == ["Сообщение 0", "Сообщение 1", "Сообщение 2"]
        seqs = [f["event"]["message"]["seq"] for f in frames]
        assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
        await reader.assert_silent()
