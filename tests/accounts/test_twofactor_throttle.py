"""Wrong second-factor codes are throttled like wrong passwords, on every endpoint that takes
one, per user wherever the codes come from; and the current-password check of a password
change counts toward the sign-in throttle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest

from portal import clock
from portal.accounts.models import RecoveryCode, TOTPCredential
from portal.accounts.services import twofactor
from portal.audit.models import AuditEvent
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers.api import api_client, assert_api_error, sign_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 10, 0, 0, tzinfo=dt.UTC)
ENDPOINTS = ["confirm", "disable", "recovery-codes"]


def _prepare(user: Any, endpoint: str, frozen: clock.FrozenClock) -> tuple[Any, str]:
    """A signed-in client and the TOTP secret, in the state the endpoint expects."""
    client, _ = sign_in(user)
    secret = client.post("/api/v1/auth/2fa/enrol").json()["secret"]
    if endpoint != "confirm":
        code = pyotp.TOTP(secret).at(clock.now())
        response = client.post("/api/v1/auth/2fa/confirm", {"code": code}, format="json")
        assert response.status_code == 200
        frozen.advance(30)  # a code is accepted once per 30 s step: the next one is new
    return client, secret


def _state(user: Any) -> tuple[Any, ...]:
    cred = TOTPCredential.objects.filter(user=user).first()
    return (
        cred and cred.confirmed_at,
        cred and cred.last_used_step,
        sorted(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True)),
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_wrong_codes_throttle_each_endpoint_with_growing_delays(user, settings, monkeypatch,
                                                                endpoint):  # fmt: skip
    settings.OTP_THROTTLE_FREE_ATTEMPTS = 2
    url = f"/api/v1/auth/2fa/{endpoint}"
    with clock.frozen(T0) as frozen:
        client, secret = _prepare(user, endpoint, frozen)
        for _ in range(3):  # two free, the third starts a delay
            assert_api_error(client.post(url, {"code": "000000"}, format="json"), 401,
                             "invalid_otp")  # fmt: skip
        before = _state(user)
        checked: list[str] = []
        real = twofactor._match_step

        def spy(secret: str, code: str) -> int | None:
            checked.append(code)
            return real(secret, code)

        monkeypatch.setattr(twofactor, "_match_step", spy)
        right = pyotp.TOTP(secret).at(clock.now())
        blocked = client.post(url, {"code": right}, format="json")
        error = assert_api_error(blocked, 429, "otp_throttled")
        wait = int(blocked["Retry-After"])
        assert error["details"]["retry_after"] == wait > 0
        assert checked == [] and _state(user) == before  # no code was looked at
        frozen.advance(wait + 1)
        # one more wrong code doubles the delay
        assert_api_error(client.post(url, {"code": "000000"}, format="json"), 401, "invalid_otp")
        again = client.post(url, {"code": right}, format="json")
        assert_api_error(again, 429, "otp_throttled")
        assert int(again["Retry-After"]) > wait
        frozen.advance(int(again["Retry-After"]) + 1)
        right = pyotp.TOTP(secret).at(clock.now())
        assert client.post(url, {"code": right}, format="json").status_code in (200, 204)
    failed = AuditEvent.objects.filter(action="2fa.code_failed")
    assert failed.count() == 4
    assert {e.details["action"] for e in failed} == {endpoint.replace("-", "_")}
    assert failed.order_by("-id")[0].target_id == str(user.pk)
    assert AuditEvent.objects.filter(action="2fa.throttled").count() == 2


def test_codes_from_many_addresses_add_up_per_user(user, settings):
    settings.OTP_THROTTLE_FREE_ATTEMPTS = 2
    with clock.frozen(T0) as frozen:
        client, secret = _prepare(user, "disable", frozen)
        for n in range(3):
            response = client.post("/api/v1/auth/2fa/disable", {"code": "000000"},
                                   format="json", REMOTE_ADDR=f"10.0.0.{n + 1}")  # fmt: skip
            assert_api_error(response, 401, "invalid_otp")
        right = pyotp.TOTP(secret).at(clock.now())
        response = client.post("/api/v1/auth/2fa/disable", {"code": right}, format="json",
                               REMOTE_ADDR="10.0.0.99")  # fmt: skip
        assert_api_error(response, 429, "otp_throttled")
        assert TOTPCredential.objects.filter(user=user).exists()


def test_a_success_clears_the_users_counter(user, settings):
    settings.OTP_THROTTLE_FREE_ATTEMPTS = 2
    url = "/api/v1/auth/2fa/recovery-codes"
    with clock.frozen(T0) as frozen:
        client, secret = _prepare(user, "recovery-codes", frozen)
        for _ in range(2):
            assert_api_error(client.post(url, {"code": "000000"}, format="json"), 401,
                             "invalid_otp")  # fmt: skip
        assert client.post(url, {"code": pyotp.TOTP(secret).at(clock.now())},
                           format="json").status_code == 200  # fmt: skip
        for _ in range(2):  # free again
            assert_api_error(client.post(url, {"code": "000000"}, format="json"), 401,
                             "invalid_otp")  # fmt: skip


def _login(login: str, otp: str, ip: str = "127.0.0.1") -> Any:
    body = {"login": login, "password": DEFAULT_PASSWORD, "otp": otp,
            "device": {"id": "phone-1", "platform": "ios"}}  # fmt: skip
    return api_client().post("/api/v1/auth/login", body, format="json", REMOTE_ADDR=ip)


def test_the_sign_in_code_step_shares_the_users_counter(user, settings):
    """With the password known, rotating addresses (each with fresh sign-in allowances) does
    not buy more code guesses; the endpoints and sign-in add up to one block."""
    settings.OTP_THROTTLE_FREE_ATTEMPTS = 2
    with clock.frozen(T0) as frozen:
        client, secret = _prepare(user, "disable", frozen)
        assert_api_error(_login(user.login, "000000", ip="10.0.0.1"), 401, "invalid_otp")
        assert_api_error(_login(user.login, "000000", ip="10.0.0.2"), 401, "invalid_otp")
        response = client.post("/api/v1/auth/2fa/disable", {"code": "000000"}, format="json")
        assert_api_error(response, 401, "invalid_otp")
        right = pyotp.TOTP(secret).at(clock.now())
        blocked = _login(user.login, right, ip="10.0.0.3")
        assert_api_error(blocked, 429, "otp_throttled")
        assert int(blocked["Retry-After"]) > 0
        # the right code was not used up while throttled
        assert TOTPCredential.objects.get(user=user).last_used_step == int(T0.timestamp()) // 30
    throttled = AuditEvent.objects.filter(action="auth.login_throttled").get()
    assert throttled.details["reason"] == "second_factor"


def test_wrong_current_password_counts_toward_the_sign_in_throttle(user, settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 2
    url = "/api/v1/me/password"
    with clock.frozen(T0):
        client, _ = sign_in(user)
        wrong = {"current_password": "wrong-wrong", "new_password": "New-Passphrase-2026"}
        for _ in range(3):
            response = client.post(url, wrong, format="json")
            assert_api_error(response, 401, "invalid_credentials")
        right = {**wrong, "current_password": DEFAULT_PASSWORD}
        response = client.post(url, right, format="json")
        assert_api_error(response, 429, "login_throttled")
        # it is the sign-in counter of the login, under any spelling
        body = {"login": user.login.upper(), "password": DEFAULT_PASSWORD,
                "device": {"id": "d", "platform": "ios"}}  # fmt: skip
        assert_api_error(api_client().post("/api/v1/auth/login", body, format="json"), 429,
                         "login_throttled")  # fmt: skip
    assert user.check_password(DEFAULT_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_change_failed").count() == 3
