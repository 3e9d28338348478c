"""The device pages of Django admin, driven as IT staff would."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.devices.models import Device, DeviceCommand, Policy, PolicyAssignment
from tests.devices.conftest import app_sign_in, assign, make_policy
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers import outside_a_request

pytestmark = outside_a_request


@pytest.fixture
def staff_client(org):
    superuser = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=superuser.login, password=DEFAULT_PASSWORD)
    return client


def test_pages_render(org, staff_client):
    _, issued = app_sign_in(org.clerk)
    device = issued.session.device
    policy = make_policy("Базовая", allow_copy=False)
    assign(policy, "agency", org.agency)
    for url in (
        "/admin/devices/device/",
        "/admin/devices/device/?compliance=refused&seen=stale&status=active",
        f"/admin/devices/device/{device.pk}/change/",
        "/admin/devices/device/dashboard/",
        "/admin/devices/policy/",
        f"/admin/devices/policy/{policy.pk}/change/",
        "/admin/devices/policy/add/",
        f"/admin/devices/policy/effective/?device={device.pk}",
        f"/admin/devices/policy/effective/?user={org.clerk.pk}",
        "/admin/devices/devicecommand/",
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    effective = staff_client.get(f"/admin/devices/policy/effective/?user={org.clerk.pk}")
    assert "Базовая" in effective.content.decode()


@pytest.mark.parametrize("param", ["device", "user"])
@pytest.mark.parametrize("value", ["zz", "-1", "1.5", "99999999999999999999", "[]"])
def test_the_effective_policy_page_takes_ids_that_are_not_uuids(org, staff_client, param, value):
    # Was a 500 (a ValidationError from the query): now the page as for an unknown id.
    response = staff_client.get(f"/admin/devices/policy/effective/?{param}={value}")
    assert response.status_code == 200


def test_wipe_from_the_list(org, staff_client):
    client, issued = app_sign_in(org.clerk)
    device = issued.session.device
    response = staff_client.post(
        "/admin/devices/device/",
        {"action": "wipe_devices", "_selected_action": [str(device.pk)]},
    )
    assert response.status_code == 302
    command = DeviceCommand.objects.get(device=device)
    assert command.kind == "wipe"
    assert command.issued_by is not None and command.issued_by.login == "root-admin"
    assert Device.objects.get(pk=device.pk).status == "wiped"
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("action", "kind"),
    [("lock_devices", "lock"), ("logout_devices", "logout"),
     ("refresh_policy", "refresh_policy"), ("wipe_devices", "wipe")],
)  # fmt: skip
def test_each_command_action_from_the_list(org, staff_client, action, kind):
    """Bulk actions run with no transaction around the request: each issues its command
    through the service, on PostgreSQL as deployed."""
    devices = [app_sign_in(user)[1].session.device for user in (org.clerk, org.admin)]
    response = staff_client.post(
        "/admin/devices/device/",
        {"action": action, "_selected_action": [str(d.pk) for d in devices]},
    )
    assert response.status_code == 302
    commands = DeviceCommand.objects.filter(device__in=devices)
    assert sorted(c.kind for c in commands) == [kind, kind]


def test_reenrol_action_lets_a_wiped_device_sign_in_again(org, staff_client):
    _, issued = app_sign_in(org.clerk)
    device = issued.session.device
    for action in ("wipe_devices", "reenrol_devices"):
        staff_client.post(
            "/admin/devices/device/", {"action": action, "_selected_action": [str(device.pk)]}
        )
    assert Device.objects.get(pk=device.pk).status == "active"
    app_sign_in(org.clerk, device_id=device.client_device_id)


def test_message_action_asks_for_text(org, staff_client):
    _, issued = app_sign_in(org.clerk)
    device = issued.session.device
    data = {"action": "message_devices", "_selected_action": [str(device.pk)]}
    form = staff_client.post("/admin/devices/device/", data)
    assert form.status_code == 200 and b"textarea" in form.content
    staff_client.post("/admin/devices/device/", {**data, "apply": "1", "message": "Проверка"})
    assert DeviceCommand.objects.get(device=device).message == "Проверка"


def test_lock_from_the_change_page(org, staff_client):
    _, issued = app_sign_in(org.clerk)
    device = issued.session.device
    response = staff_client.post(
        f"/admin/devices/device/{device.pk}/change/", {"_lock_devices": "1"}
    )
    assert response.status_code == 302
    assert Device.objects.get(pk=device.pk).status == "locked"


def _policy_form(name: str, rules: str, **assignment: str) -> dict[str, str]:
    data = {
        "name": name,
        "description": "",
        "rules": rules,
        "assignments-TOTAL_FORMS": "1",
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for key, value in assignment.items():
        data[f"assignments-0-{key}"] = value
    return data


def test_create_policy_with_assignment(org, staff_client):
    response = staff_client.post(
        "/admin/devices/policy/add/",
        _policy_form("ИТ", '{"screen_lock_required": true}', scope="department",
                     department=str(org.it.pk)),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(name="ИТ")
    assert policy.rules == {"screen_lock_required": True}
    assert PolicyAssignment.objects.get(policy=policy).department == org.it


def test_unknown_rule_is_named_in_the_form(org, staff_client):
    response = staff_client.post(
        "/admin/devices/policy/add/", _policy_form("Плохая", '{"warp_drive": true}')
    )
    assert response.status_code == 200
    assert "warp_drive: unknown rule" in response.content.decode()
    assert not Policy.objects.exists()


def test_contradictory_assignment_is_rejected_with_a_message(org, staff_client):
    assign(make_policy("Первая"), "department", org.it)
    response = staff_client.post(
        "/admin/devices/policy/add/",
        _policy_form("Вторая", "{}", scope="department", department=str(org.it.pk)),
    )
    assert response.status_code == 200
    assert PolicyAssignment.objects.filter(department=org.it).count() == 1
    assert not Policy.objects.filter(name="Вторая").exists()
    assert "This department already has a policy" in response.content.decode()


def test_assignment_target_must_match_scope(org, staff_client):
    response = staff_client.post(
        "/admin/devices/policy/add/",
        _policy_form("Смешанная", "{}", scope="agency", department=str(org.it.pk)),
    )
    assert response.status_code == 200
    assert not Policy.objects.filter(name="Смешанная").exists()
