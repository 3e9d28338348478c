"""Device policy and remote commands against a live daphne: a connected device is
refused within seconds when a new rule breaks, and a wiped device's socket gets the
command, its acknowledgement is accepted, and its token stops working."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from portal.devices.models import DeviceCommand
from tests.devices.conftest import app_sign_in, assign, make_policy
from tests.factories.accounts import AgencyFactory, DepartmentFactory, UserFactory
from tests.helpers.api import api_client, sign_in
from tests.helpers.live import daphne_server, live_env, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["daphne_server", "live_env"]


def _scene() -> dict[str, Any]:
    agency = AgencyFactory.create()
    department = DepartmentFactory.create(agency=agency, name="Отдел кадров")
    official = UserFactory.create(login="official", department=department)
    admin = UserFactory.create(login="it-admin", is_staff=True)
    _, issued = app_sign_in(official, app_version="2.0")
    admin_client, _ = sign_in(admin, platform="web")
    return {"department": department, "official": official, "issued": issued,
            "admin_client": admin_client}  # fmt: skip


async def test_connected_device_is_refused_when_a_rule_breaks(daphne_server):
    scene = await sync_to_async(_scene)()
    async with ws_connect(daphne_server, token=scene["issued"].access_token) as ws:
        await ws.recv_type("ready")
        policy = await sync_to_async(make_policy)("Новые версии", min_app_version="3.0")
        await sync_to_async(assign)(policy, "department", scene["department"])
        code, frames = await ws.closed(timeout=5)
    assert code == 4403
    assert frames[-1]["type"] == "error"
    assert frames[-1]["error"]["code"] == "app_version_too_old"
    assert any(f.get("event", {}).get("type") == "policy" for f in frames)


async def test_wiped_device_gets_the_command_acknowledges_and_is_cut_off(daphne_server):
    scene = await sync_to_async(_scene)()
    device_id = scene["issued"].session.device_id
    token = scene["issued"].access_token
    async with ws_connect(daphne_server, token=token) as ws:
        await ws.recv_type("ready")
        response = await sync_to_async(scene["admin_client"].post)(
            f"/api/v1/admin/devices/{device_id}/commands", {"kind": "wipe"}, format="json"
        )
        assert response.status_code == 201, response.content
        code, frames = await ws.closed(timeout=5)
    [command] = [f["event"]["command"] for f in frames if f["type"] == "event"]
    assert command["kind"] == "wipe"
    assert code == 4401 and frames[-1]["error"]["code"] == "token_revoked"
    state = await sync_to_async(lambda: DeviceCommand.objects.get(pk=command["id"]).state)()
    assert state == "delivered"

    app = api_client()
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    ack = await sync_to_async(app.post)(
        f"/api/v1/devices/commands/{command['id']}/ack", {"result": "wiped"}, format="json"
    )
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    me = await sync_to_async(app.get)("/api/v1/me")
    assert me.status_code == 401 and me.json()["error"]["code"] == "token_revoked"
    # and the socket cannot come back
    async with ws_connect(daphne_server, token=token) as ws:
        code, frames = await ws.closed(timeout=5)
    assert code == 4401
