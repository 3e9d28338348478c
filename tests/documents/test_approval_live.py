"""The approval route over two live daphne servers sharing Redis: an approver connected
to one hears of the route started through the other (the event and the task in their
chat), decides there, and the owner's socket on the first server sees it registered."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.documents.approval_fixtures import make_document
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import WsClient, daphne_server, daphne_server_b, live_env, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["daphne_server", "daphne_server_b", "live_env"]


def _scene() -> dict[str, Any]:
    agency = AgencyFactory.create(short_name="01-15")
    owner, anna = (UserFactory.create(login=x, agency=agency) for x in ("owner", "anna"))
    return {
        "document": make_document(owner),
        "anna": anna,
        "owner_token": sign_in(owner)[1].access_token,
        "anna_token": sign_in(anna)[1].access_token,
    }


async def _until(socket: WsClient, wanted: Any, *, limit: int = 12) -> list[dict[str, Any]]:
    """Events up to and including the first one ``wanted`` accepts (at most ``limit``)."""
    seen = []
    for _ in range(limit):
        frame = await socket.recv_type("event")
        seen.append(frame["event"])
        if wanted(frame["event"]):
            return seen
    raise AssertionError(f"not among {[(e['type'], e['op']) for e in seen]}")


def _approval(step: str) -> Any:
    return lambda e: e["type"] == "approval" and e["step"] == step


async def test_a_route_across_two_servers(daphne_server, daphne_server_b):
    s = await sync_to_async(_scene)()
    document_id = s["document"].pk
    async with (
        ws_connect(daphne_server_b, token=s["anna_token"]) as anna,
        ws_connect(daphne_server, token=s["owner_token"]) as owner,
    ):
        await anna.recv_type("ready")
        await owner.recv_type("ready")
        http_a = daphne_server.http()
        http_a.headers["Authorization"] = f"Bearer {s['owner_token']}"
        body = {
            "stages": [{"approver_ids": [str(s["anna"].pk)], "duration_hours": 24}],
            "on_new_version": "refuse",
        }
        response = await sync_to_async(http_a.post)(
            f"{daphne_server.url}/api/v1/documents/{document_id}/route", json=body, timeout=10
        )
        assert response.status_code == 201, response.text

        seen = await _until(anna, _approval("started"))
        assert seen[-1]["route"]["current_stage"] == 1
        assert any(e["type"] == "document_share" and e["op"] == "add" for e in seen)
        task = await _until(
            anna, lambda e: e["type"] == "message" and e["message"]["system"].get("task")
        )
        assert task[-1]["message"]["system"]["link"] == f"/documents/{document_id}"

        http_b = daphne_server_b.http()
        http_b.headers["Authorization"] = f"Bearer {s['anna_token']}"
        response = await sync_to_async(http_b.post)(
            f"{daphne_server_b.url}/api/v1/documents/{document_id}/route/decide",
            json={"decision": "approve", "comment": ""},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        registered = await _until(owner, _approval("registered"))
        number = registered[-1]["route"]["document"]["registration_number"]
        assert number.startswith("01-15/") and number.endswith("-000001")
