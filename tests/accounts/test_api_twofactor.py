"""TOTP enrolment, sign-in with a second factor, recovery codes, agency-mandated 2FA."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.utils import timezone

from portal import clock
from portal.accounts.models import RecoveryCode, TOTPCredential
from portal.audit.models import AuditEvent
from tests.factories.accounts import DEFAULT_PASSWORD, AgencyFactory, UserFactory
from tests.helpers.api import api_client, assert_api_error, sign_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 10, 0, 0, tzinfo=dt.UTC)


def _login(login: str, otp: str = "", device_id: str = "phone-1"):
    body = {
        "login": login,
        "password": DEFAULT_PASSWORD,
        "otp": otp,
        "device": {"id": device_id, "platform": "ios"},
    }
    return api_client().post("/api/v1/auth/login", body, format="json")


def _enrol(client) -> tuple[str, list[str]]:
    enrolment = client.post("/api/v1/auth/2fa/enrol").json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/")
    assert enrolment["qr_svg_data_uri"].startswith("data:image/svg+xml;base64,")
    secret = enrolment["secret"]
    code = pyotp.TOTP(secret).at(clock.now())
    response = client.post("/api/v1/auth/2fa/confirm", {"code": code}, format="json")
    assert response.status_code == 200, response.content
    codes = response.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def test_enrol_then_sign_in_needs_a_code(user):
    with clock.frozen(T0) as frozen:
        client, _ = sign_in(user)
        secret, _ = _enrol(client)
        assert client.get("/api/v1/auth/2fa").json() == {
            "enabled": True,
            "required": False,
            "recovery_codes_left": 10,
        }
        assert_api_error(_login(user.login), 401, "otp_required")
        assert_api_error(_login(user.login, otp="000000"), 401, "invalid_otp")
        frozen.advance(30)
        code = pyotp.TOTP(secret).at(clock.now())
        assert _login(user.login, otp=code).status_code == 200
        # the same code cannot be replayed
        assert_api_error(_login(user.login, otp=code, device_id="phone-2"), 401, "invalid_otp")
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "2fa.enabled" in actions


def test_wrong_enrolment_code_does_not_enable(user):
    client, _ = sign_in(user)
    client.post("/api/v1/auth/2fa/enrol")
    response = client.post("/api/v1/auth/2fa/confirm", {"code": "123456"}, format="json")
    assert_api_error(response, 401, "invalid_otp")
    assert TOTPCredential.objects.get(user=user).confirmed_at is None
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_confirm_without_enrol_is_409(user):
    client, _ = sign_in(user)
    response = client.post("/api/v1/auth/2fa/confirm", {"code": "123456"}, format="json")
    assert_api_error(response, 409, "two_factor_not_enrolled")


def test_enrol_twice_when_enabled_is_409(user):
    client, _ = sign_in(user)
    _enrol(client)
    assert_api_error(client.post("/api/v1/auth/2fa/enrol"), 409, "two_factor_already_enabled")


def test_recovery_code_works_once(user):
    client, _ = sign_in(user)
    _, codes = _enrol(client)
    assert _login(user.login, otp=codes[0]).status_code == 200
    assert_api_error(_login(user.login, otp=codes[0], device_id="other"), 401, "invalid_otp")
    assert AuditEvent.objects.filter(action="2fa.recovery_code_used").count() == 1


def test_regenerate_recovery_codes_replaces_old_ones(user):
    with clock.frozen(T0) as frozen:
        client, _ = sign_in(user)
        secret, old_codes = _enrol(client)
        frozen.advance(30)
        response = client.post(
            "/api/v1/auth/2fa/recovery-codes",
            {"code": pyotp.TOTP(secret).at(clock.now())},
            format="json",
        )
        new_codes = response.json()["recovery_codes"]
        assert not set(new_codes) & set(old_codes)
        assert_api_error(_login(user.login, otp=old_codes[1]), 401, "invalid_otp")


def test_disable_needs_a_valid_code(user):
    with clock.frozen(T0) as frozen:
        client, _ = sign_in(user)
        secret, _ = _enrol(client)
        response = client.post("/api/v1/auth/2fa/disable", {"code": "111111"}, format="json")
        assert_api_error(response, 401, "invalid_otp")
        assert TOTPCredential.objects.filter(user=user).exists()
        frozen.advance(30)
        code = pyotp.TOTP(secret).at(clock.now())
        response = client.post("/api/v1/auth/2fa/disable", {"code": code}, format="json")
        assert response.status_code == 204
        assert _login(user.login).status_code == 200


def test_failed_otp_counts_toward_throttle(user, settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 2
    client, _ = sign_in(user)
    _enrol(client)
    for _ in range(3):
        assert_api_error(_login(user.login, otp="000000"), 401, "invalid_otp")
    assert_api_error(_login(user.login, otp="000000"), 429, "login_throttled")


def test_agency_requirement_blocks_work_until_enrolled():
    agency = AgencyFactory.create(require_2fa=True)
    user = UserFactory.create(agency=agency)
    client, _ = sign_in(user)
    assert_api_error(client.get("/api/v1/users"), 403, "two_factor_enrolment_required")
    me = client.get("/api/v1/me").json()
    assert me["two_factor_required"] is True and me["two_factor_enabled"] is False
    secret, _ = _enrol(client)
    assert client.get("/api/v1/users").status_code == 200
    # and it cannot be switched off while the agency requires it
    response = client.post(
        "/api/v1/auth/2fa/disable", {"code": pyotp.TOTP(secret).now()}, format="json"
    )
    assert_api_error(response, 403, "two_factor_required_by_agency")


def test_2fa_endpoints_need_sign_in(db):
    for path in ("/api/v1/auth/2fa/enrol", "/api/v1/auth/2fa/confirm", "/api/v1/auth/2fa/disable"):
        assert_api_error(api_client().post(path, {}, format="json"), 401, "not_authenticated")


def test_bad_code_shapes_are_validation_errors(user):
    client, _ = sign_in(user)
    client.post("/api/v1/auth/2fa/enrol")
    response = client.post("/api/v1/auth/2fa/confirm", {"code": "x" * 100}, format="json")
    assert_api_error(response, 400, "validation_failed")
    response = client.post("/api/v1/auth/2fa/confirm", {}, format="json")
    assert_api_error(response, 400, "validation_failed")


def test_tokens_expire_when_time_passes(user):
    client, _ = sign_in(user)
    with clock.frozen(timezone.now() + dt.timedelta(days=31)):
        assert_api_error(client.get("/api/v1/me"), 401, "token_expired")
