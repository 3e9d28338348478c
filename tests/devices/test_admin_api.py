"""The device admin API: IT staff only; everybody else gets 404 and learns nothing."""

from __future__ import annotations

import uuid

import pytest

from portal.devices.models import DeviceCommand, Policy
from tests.devices.conftest import app_sign_in, assign, make_policy
from tests.helpers.api import api_client, assert_api_error, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    _, issued = app_sign_in(org.clerk)
    policy = make_policy("Базовая", allow_copy=False)
    assignment = assign(policy, "agency", org.agency)
    return org, issued.session.device, policy, assignment


def _endpoints(device, policy, assignment, user):
    return [
        ("get", "/api/v1/admin/devices", None),
        ("get", f"/api/v1/admin/devices/{device.pk}", None),
        ("get", f"/api/v1/admin/devices/{device.pk}/commands", None),
        ("post", f"/api/v1/admin/devices/{device.pk}/commands", {"kind": "wipe"}),
        ("post", f"/api/v1/admin/devices/{device.pk}/reenrol", None),
        ("get", "/api/v1/admin/policies", None),
        ("post", "/api/v1/admin/policies", {"name": "x", "rules": {}}),
        ("get", f"/api/v1/admin/policies/{policy.pk}", None),
        ("patch", f"/api/v1/admin/policies/{policy.pk}", {"rules": {}}),
        ("delete", f"/api/v1/admin/policies/{policy.pk}", None),
        ("post", f"/api/v1/admin/policies/{policy.pk}/assignments", {"scope": "server"}),
        ("delete", f"/api/v1/admin/policy-assignments/{assignment.pk}", None),
        ("get", f"/api/v1/admin/users/{user.pk}/effective-policy", None),
    ]


def test_non_staff_get_404_and_nothing_changes(world):
    org, device, policy, assignment = world
    client = api_client(org.analyst)
    for method, path, body in _endpoints(device, policy, assignment, org.clerk):
        response = getattr(client, method)(path, body, format="json")
        assert_api_error(response, 404, "not_found")
    assert not DeviceCommand.objects.exists()
    assert Policy.objects.count() == 1 and policy.assignments.count() == 1


def test_anonymous_gets_401(world):
    org, device, policy, assignment = world
    for method, path, body in _endpoints(device, policy, assignment, org.clerk):
        response = getattr(api_client(), method)(path, body, format="json")
        assert_api_error(response, 401, "not_authenticated")


def test_staff_sees_devices_with_filters_and_effective_policy(world):
    org, device, _, _ = world
    client = sign_in(org.admin, platform="web")[0]
    listed = client.get("/api/v1/admin/devices", {"platform": "android"}).json()["results"]
    assert len(listed) == 1
    mine = client.get("/api/v1/admin/devices", {"user": str(org.clerk.pk)}).json()["results"]
    assert [d["id"] for d in mine] == [str(device.pk)]
    assert client.get("/api/v1/admin/devices", {"platform": "ios"}).json()["results"] == []
    assert client.get("/api/v1/admin/devices", {"status": "wiped"}).json()["results"] == []
    assert_api_error(
        client.get("/api/v1/admin/devices", {"user": "junk"}), 400, "validation_failed"
    )
    response = client.get("/api/v1/admin/devices", {"non_compliant": "yes"})
    assert_api_error(response, 400, "validation_failed")
    detail = client.get(f"/api/v1/admin/devices/{device.pk}").json()
    assert detail["user"]["login"] == "clerk"
    assert detail["effective_policy"]["rules"]["allow_copy"] is False
    assert detail["effective_policy"]["sources"]["allow_copy"]["scope"] == "agency"
    assert detail["refusal_reasons"] == []
    effective = client.get(f"/api/v1/admin/users/{org.clerk.pk}/effective-policy").json()
    assert effective["sources"]["allow_copy"]["policy"] == "Базовая"
    assert_api_error(client.get(f"/api/v1/admin/devices/{uuid.uuid4()}"), 404, "device_not_found")


def test_staff_issues_a_wipe_and_reenrols(world):
    org, device, _, _ = world
    client = sign_in(org.admin, platform="web")[0]
    response = client.post(
        f"/api/v1/admin/devices/{device.pk}/commands", {"kind": "wipe"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "pending"
    commands = client.get(f"/api/v1/admin/devices/{device.pk}/commands").json()["results"]
    assert [c["kind"] for c in commands] == ["wipe"]
    assert client.post(f"/api/v1/admin/devices/{device.pk}/reenrol").status_code == 204
    phone, _ = app_sign_in(org.clerk)
    assert phone.get("/api/v1/me").status_code == 200


def test_staff_manages_policies(world):
    org, _, policy, assignment = world
    client = sign_in(org.admin, platform="web")[0]
    created = client.post(
        "/api/v1/admin/policies",
        {"name": "ИТ", "rules": {"screen_lock_required": True}},
        format="json",
    )
    assert created.status_code == 201, created.content
    new_id = created.json()["id"]
    response = client.post(
        f"/api/v1/admin/policies/{new_id}/assignments",
        {"scope": "department", "target_id": str(org.it.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    conflict = client.post(
        f"/api/v1/admin/policies/{policy.pk}/assignments",
        {"scope": "department", "target_id": str(org.it.pk)},
        format="json",
    )
    assert_api_error(conflict, 409, "assignment_conflict")
    unknown_target = client.post(
        f"/api/v1/admin/policies/{policy.pk}/assignments",
        {"scope": "department", "target_id": str(uuid.uuid4())},
        format="json",
    )
    assert_api_error(unknown_target, 404, "department_not_found")
    assert client.delete(f"/api/v1/admin/policy-assignments/{assignment.pk}").status_code == 204
    assert client.delete(f"/api/v1/admin/policies/{policy.pk}").status_code == 204


def test_unknown_rule_is_400_naming_it(world):
    org, _, policy, _ = world
    client = sign_in(org.admin, platform="web")[0]
    response = client.patch(
        f"/api/v1/admin/policies/{policy.pk}",
        {"rules": {"allow_copy": True, "self_destruct": True}},
        format="json",
    )
    error = assert_api_error(response, 400, "invalid_rules")
    assert list(error["details"]["rules"]) == ["self_destruct"]
    policy.refresh_from_db()
    assert policy.rules == {"allow_copy": False}
    response = client.post(
        f"/api/v1/admin/devices/{uuid.uuid4()}/commands", {"kind": "explode"}, format="json"
    )
    assert_api_error(response, 404, "device_not_found")
