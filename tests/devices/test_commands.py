"""Remote commands: issue, deliver at check-in, acknowledge; server-side effects at once."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from portal import clock
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from portal.devices.models import Device, DeviceCommand
from portal.devices.services import device_command_issue, device_commands_expire
from portal.errors import PortalError
from tests.devices.conftest import app_sign_in
from tests.helpers import outside_a_request
from tests.helpers.api import assert_api_error, sign_in
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _issue(org, device: Device, kind: str, message: str = "") -> DeviceCommand:
    return device_command_issue(
        actor=org.admin, device=device, kind=kind, message=message,
        context=RequestContext(ip="127.0.0.1"),
    )  # fmt: skip


def _checkin(client, device_id: str = "phone-1"):
    return client.post("/api/v1/devices/checkin", {"device_id": device_id}, format="json")


def _ack(client, command_id, result: str = "done"):
    return client.post(
        f"/api/v1/devices/commands/{command_id}/ack", {"result": result}, format="json"
    )


def test_wipe_cuts_access_at_once_and_is_delivered_and_acknowledged(org):
    client, issued = app_sign_in(org.clerk)
    device = issued.session.device
    with capture_events() as captured:
        command = _issue(org, device, "wipe")
    # the event goes to the device's user only
    [(payload, recipients)] = captured.of_type("device")
    assert payload["op"] == "command" and payload["device_id"] == str(device.pk)
    assert payload["command"]["kind"] == "wipe"
    assert recipients == {str(org.clerk.pk)}
    # the token stops working for everything...
    assert_api_error(client.get("/api/v1/me"), 401, "token_revoked")
    # ...the check-in is refused but carries the wipe, so an offline device still learns it
    error = assert_api_error(_checkin(client), 403, "device_wiped")
    assert [c["id"] for c in error["details"]["commands"]] == [str(command.pk)]
    command.refresh_from_db()
    assert command.state == "delivered" and command.expires_at is None
    # the device acknowledges with its old token
    response = _ack(client, command.pk, "local data erased")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "acknowledged"
    command.refresh_from_db()
    assert command.state == "acknowledged" and command.result == "local data erased"
    # and stays blocked until re-enrolled
    with pytest.raises(PortalError) as refused:
        app_sign_in(org.clerk)
    assert refused.value.code == "device_wiped"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"device.command_wipe", "device.command_acknowledged"} <= actions


def test_second_ack_and_ack_of_another_devices_command_change_nothing(org):
    client, issued = app_sign_in(org.clerk)
    _, other = app_sign_in(org.analyst, device_id="analyst-phone")
    mine = _issue(org, issued.session.device, "message", "Обновите приложение")
    theirs = _issue(org, other.session.device, "message", "Проверка связи")
    assert _ack(client, mine.pk).status_code == 200
    assert_api_error(_ack(client, mine.pk, "again"), 409, "command_already_acknowledged")
    mine.refresh_from_db()
    assert mine.result == "done"
    assert_api_error(_ack(client, theirs.pk), 404, "command_not_found")
    assert_api_error(_ack(client, uuid.uuid4()), 404, "command_not_found")
    theirs.refresh_from_db()
    assert theirs.state == "pending"


@outside_a_request
def test_expired_command_cannot_be_acknowledged(org):
    client, issued = app_sign_in(org.clerk)
    command = _issue(org, issued.session.device, "refresh_policy")
    with clock.frozen(timezone.now() + dt.timedelta(days=8)):
        assert device_commands_expire() == 1
        # a fresh token: the old one has expired by now
        client, _ = app_sign_in(org.clerk)
        assert_api_error(_ack(client, command.pk), 409, "command_expired")
    command.refresh_from_db()
    assert command.state == "expired" and command.acknowledged_at is None


def test_wipe_never_expires(org):
    _, issued = app_sign_in(org.clerk)
    command = _issue(org, issued.session.device, "wipe")
    with clock.frozen(timezone.now() + dt.timedelta(days=365)):
        assert device_commands_expire() == 0
    command.refresh_from_db()
    assert command.state == "pending"


def test_pending_commands_come_with_checkin(org):
    client, issued = app_sign_in(org.clerk)
    command = _issue(org, issued.session.device, "message", "Плановые работы в 22:00")
    answer = _checkin(client).json()
    assert [c["message"] for c in answer["commands"]] == ["Плановые работы в 22:00"]
    command.refresh_from_db()
    assert command.state == "delivered"
    assert _ack(client, command.pk).status_code == 200
    assert _checkin(client).json()["commands"] == []


def test_logout_revokes_tokens_but_device_may_sign_in_again(org):
    client, issued = app_sign_in(org.clerk)
    _issue(org, issued.session.device, "logout")
    assert_api_error(client.get("/api/v1/me"), 401, "token_revoked")
    client, _ = app_sign_in(org.clerk)
    assert client.get("/api/v1/me").status_code == 200


def test_lock_asks_for_sign_in_again(org):
    client, issued = app_sign_in(org.clerk)
    _issue(org, issued.session.device, "lock")
    assert Device.objects.get(pk=issued.session.device_id).status == "locked"
    assert_api_error(client.get("/api/v1/me"), 401, "token_revoked")
    client, _ = app_sign_in(org.clerk)
    assert client.get("/api/v1/me").status_code == 200
    assert Device.objects.get(pk=issued.session.device_id).status == "active"


def test_message_command_needs_text(org):
    _, issued = app_sign_in(org.clerk)
    with pytest.raises(PortalError) as error:
        _issue(org, issued.session.device, "message", "   ")
    assert error.value.code == "invalid_rules"
    assert not DeviceCommand.objects.exists()


def test_other_sessions_of_the_user_keep_working(org):
    _, issued = app_sign_in(org.clerk)
    laptop, _ = sign_in(org.clerk, platform="desktop")
    _issue(org, issued.session.device, "wipe")
    assert laptop.get("/api/v1/me").status_code == 200
