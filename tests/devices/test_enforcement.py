"""The server refuses devices that break a rule, with a machine-readable reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal import clock
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from portal.devices.models import Device
from portal.devices.services import policy_save
from portal.errors import PortalError
from tests.devices.conftest import app_sign_in, assign, make_policy
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db

CHECKIN = "/api/v1/devices/checkin"


def _checkin(client, device_id: str = "phone-1", **state):
    return client.post(CHECKIN, {"device_id": device_id, **state}, format="json")


def test_old_app_version_is_refused_until_policy_allows_it(org):
    policy = make_policy("Версии", min_app_version="3.2")
    assign(policy, "agency", org.agency)
    # sign-in itself is refused with the reason
    with pytest.raises(PortalError) as refused:
        app_sign_in(org.clerk, app_version="3.1.9")
    assert getattr(refused.value, "code", "") == "app_version_too_old"
    assert AuditEvent.objects.filter(action="auth.login_refused").exists()
    client, _ = app_sign_in(org.clerk, app_version="3.10")
    assert client.get("/api/v1/me").status_code == 200
    # raising the minimum refuses the connected device on its next request
    policy_save(
        actor=None, policy=policy, name=policy.name, description="",
        rules={"min_app_version": "4.0"}, context=RequestContext.system(),
    )  # fmt: skip
    error = assert_api_error(client.get("/api/v1/me"), 403, "app_version_too_old")
    assert error["details"]["reason"] == "app_version_too_old"
    device = Device.objects.get(client_device_id="phone-1")
    assert device.status == "blocked" and device.compliance_reason == "app_version_too_old"
    # updating the app and checking in makes it compliant again
    answer = _checkin(client, app_version="4.1").json()
    assert answer["compliant"] is True and answer["reasons"] == []
    assert client.get("/api/v1/me").status_code == 200
    device.refresh_from_db()
    assert device.status == "active" and device.compliance_reason == ""


def test_device_state_rules_need_a_checkin(org):
    assign(make_policy("Экран", screen_lock_required=True, refuse_rooted=True), "server")
    client, _ = app_sign_in(org.clerk)
    assert_api_error(client.get("/api/v1/me"), 403, "checkin_required")
    answer = _checkin(client, screen_lock=False, rooted=False).json()
    assert answer["compliant"] is False and answer["reasons"] == ["screen_lock_required"]
    assert answer["policy"]["rules"]["screen_lock_required"] is True
    assert_api_error(client.get("/api/v1/me"), 403, "screen_lock_required")
    answer = _checkin(client, screen_lock=True, rooted=True).json()
    assert answer["reasons"] == ["device_rooted"]
    assert_api_error(client.get("/api/v1/me"), 403, "device_rooted")
    assert _checkin(client, rooted=False).json()["compliant"] is True
    assert client.get("/api/v1/me").status_code == 200


def test_browser_is_not_asked_for_device_state(org):
    assign(make_policy("Экран", screen_lock_required=True), "server")
    client, _ = app_sign_in(org.clerk, platform="web")
    assert client.get("/api/v1/me").status_code == 200


def test_platform_and_os_rules(org):
    assign(
        make_policy("Только Android 14+", allowed_platforms=["android", "web"],
                    min_os_version={"android": "14"}),
        "server",
    )  # fmt: skip
    with pytest.raises(PortalError) as refused:
        app_sign_in(org.clerk, platform="ios", device_id="iphone")
    assert refused.value.code == "platform_not_allowed"
    with pytest.raises(PortalError) as refused:
        app_sign_in(org.clerk, os_version="13")
    assert refused.value.code == "os_version_too_old"
    client, _ = app_sign_in(org.clerk, os_version="14.1")
    assert client.get("/api/v1/me").status_code == 200


def test_network_rule(org):
    policy = make_policy("Только ведомственная сеть", allowed_networks=["10.20.0.0/16"])
    assign(policy, "agency", org.agency)
    with pytest.raises(PortalError) as refused:
        app_sign_in(org.clerk, ip="192.0.2.10")
    assert refused.value.code == "network_not_allowed"
    client, _ = app_sign_in(org.clerk, ip="10.20.3.4")
    assert client.get("/api/v1/me").status_code == 200
    client.defaults["REMOTE_ADDR"] = "192.0.2.10"
    assert_api_error(client.get("/api/v1/me"), 403, "network_not_allowed")


def test_session_age_and_idle_rules(org, settings):
    settings.ACCESS_TOKEN_TTL = 24 * 3600
    assign(make_policy("Сеансы", max_session_age_hours=8, idle_timeout_minutes=30), "server")
    start = timezone.now()
    with clock.frozen(start) as frozen:
        client, _ = app_sign_in(org.clerk)
        frozen.advance(20 * 60)
        assert client.get("/api/v1/me").status_code == 200
        frozen.advance(31 * 60)
        assert_api_error(client.get("/api/v1/me"), 403, "session_idle")
    with clock.frozen(start + dt.timedelta(hours=9)):
        client, _ = app_sign_in(org.clerk, device_id="phone-2")
    with clock.frozen(start + dt.timedelta(hours=9, minutes=5)):
        assert client.get("/api/v1/me").status_code == 200
    with clock.frozen(start + dt.timedelta(hours=17, minutes=10)):
        assert_api_error(client.get("/api/v1/me"), 403, "session_too_old")


def test_refresh_is_refused_once_the_session_is_too_old(org):
    assign(make_policy("Сеансы", max_session_age_hours=2), "server")
    start = timezone.now()
    with clock.frozen(start):
        _, issued = app_sign_in(org.clerk)
    with clock.frozen(start + dt.timedelta(hours=3)):
        response = api_client().post(
            "/api/v1/auth/refresh", {"refresh_token": issued.refresh_token}, format="json"
        )
        assert_api_error(response, 403, "session_too_old")


def test_require_2fa_rule(org):
    assign(make_policy("2FA", require_2fa=True), "user", org.clerk)
    with pytest.raises(PortalError) as refused:
        app_sign_in(org.clerk)
    assert refused.value.code == "two_factor_required"


def test_checkin_with_another_users_device_id_is_rejected_and_audited(org):
    app_sign_in(org.analyst, device_id="analyst-phone")
    client, _ = app_sign_in(org.clerk, device_id="clerk-phone")
    response = _checkin(client, device_id="analyst-phone", rooted=True)
    assert_api_error(response, 404, "device_not_found")
    event = AuditEvent.objects.get(action="device.checkin_rejected")
    assert event.actor_id == org.clerk.pk
    assert event.details["claimed_device_id"] == "analyst-phone"
    assert Device.objects.get(client_device_id="analyst-phone").rooted is None


def test_checkin_validates_input(org):
    client, _ = app_sign_in(org.clerk)
    error = assert_api_error(
        client.post(CHECKIN, {"device_id": "phone-1", "jailbreak": True}, format="json"),
        400,
        "validation_failed",
    )
    assert "jailbreak" in error["details"]["fields"]
    assert_api_error(_checkin(client, rooted="maybe"), 400, "validation_failed")
    assert_api_error(client.post(CHECKIN, {}, format="json"), 400, "validation_failed")


def test_checkin_needs_a_token(db):
    assert_api_error(api_client().post(CHECKIN, {}, format="json"), 401, "not_authenticated")
