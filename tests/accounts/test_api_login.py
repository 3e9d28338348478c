"""Mobile sign-in, refresh, logout and token checks through the REST API."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from portal import clock
from portal.accounts.models import AuthSession
from portal.audit.models import AuditEvent
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers.api import api_client, assert_api_error, sign_in

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


def _login_body(login: str, password: str = DEFAULT_PASSWORD, device_id: str = "dev-1") -> dict:
    return {
        "login": login,
        "password": password,
        "device": {
            "id": device_id,
            "platform": "android",
            "model": "Pixel 8",
            "os_version": "15",
            "app_version": "1.0.0",
        },
    }


def test_login_returns_tokens_bound_to_device(user):
    response = api_client().post(LOGIN, _login_body(user.login), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"].startswith("pat_")
    assert body["refresh_token"].startswith("prt_")
    session = AuthSession.objects.get(pk=body["session_id"])
    assert str(session.device_id) == body["device_id"]
    assert session.device.client_device_id == "dev-1"
    assert session.device.model == "Pixel 8"
    # only hashes are stored
    assert body["access_token"] not in (session.access_hash or "")
    assert len(session.access_hash or "") == 64
    me = api_client()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.get("/api/v1/me").json()["login"] == user.login


def test_wrong_password_is_401_and_audited(user):
    response = api_client().post(LOGIN, _login_body(user.login, "wrong-password"), format="json")
    assert_api_error(response, 401, "invalid_credentials")
    event = AuditEvent.objects.filter(action="auth.login_failed").get()
    assert event.details["login"] == user.login
    assert event.target_id == str(user.pk)


def test_unknown_login_answers_like_wrong_password(user):
    wrong = api_client().post(LOGIN, _login_body(user.login, "nope-nope-nope"), format="json")
    unknown = api_client().post(LOGIN, _login_body("nobody-here", "nope-nope-nope"), format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_unknown_login_does_the_same_password_work(user, monkeypatch):
    """Timing: an unknown login still runs the Argon2 check exactly once."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    calls = []
    original = Argon2PasswordHasher.verify

    def counting(self, password, encoded):
        calls.append(1)
        return original(self, password, encoded)

    monkeypatch.setattr(Argon2PasswordHasher, "verify", counting)
    api_client().post(LOGIN, _login_body("nobody-here", "nope-nope-nope"), format="json")
    unknown_calls = len(calls)
    calls.clear()
    api_client().post(LOGIN, _login_body(user.login, "nope-nope-nope"), format="json")
    assert unknown_calls == len(calls) == 1


def test_repeated_failures_throttle_with_growing_delay(user, settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 3
    start = timezone.now()
    with clock.frozen(start) as frozen:
        for _ in range(3):
            assert (
                api_client()
                .post(LOGIN, _login_body(user.login, "bad-bad-bad"), format="json")
                .status_code
                == 401
            )
        # the 4th failure starts a delay
        assert (
            api_client()
            .post(LOGIN, _login_body(user.login, "bad-bad-bad"), format="json")
            .status_code
            == 401
        )
        blocked = api_client().post(LOGIN, _login_body(user.login), format="json")
        error = assert_api_error(blocked, 429, "login_throttled")
        first_wait = int(blocked["Retry-After"])
        assert error["details"]["retry_after"] == first_wait
        frozen.advance(first_wait + 1)
        # another failure doubles the delay
        api_client().post(LOGIN, _login_body(user.login, "bad-bad-bad"), format="json")
        blocked = api_client().post(LOGIN, _login_body(user.login), format="json")
        assert_api_error(blocked, 429, "login_throttled")
        assert int(blocked["Retry-After"]) > first_wait
        frozen.advance(int(blocked["Retry-After"]) + 1)
        assert api_client().post(LOGIN, _login_body(user.login), format="json").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 2


def test_second_login_from_same_device_replaces_old_token(user):
    first = (
        api_client().post(LOGIN, _login_body(user.login, device_id="phone"), format="json").json()
    )
    second = (
        api_client().post(LOGIN, _login_body(user.login, device_id="phone"), format="json").json()
    )
    assert first["device_id"] == second["device_id"]
    old = api_client()
    old.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    assert_api_error(old.get("/api/v1/me"), 401, "token_revoked")
    new = api_client()
    new.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
    assert new.get("/api/v1/me").status_code == 200
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "header,code",
    [
        ("Bearer pat_not-a-real-token", "token_invalid"),
        ("Bearer garbage", "token_invalid"),
        ("Bearer pat_a b", "token_invalid"),
        ("Bearer ", "token_invalid"),
    ],
)
def test_malformed_or_unknown_token_is_401(user, header, code):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_api_error(client.get("/api/v1/me"), 401, code)


def test_expired_token_is_401_until_refreshed(user):
    client, issued = sign_in(user)
    with clock.frozen(timezone.now() + dt.timedelta(hours=2)):
        assert_api_error(client.get("/api/v1/me"), 401, "token_expired")
        refreshed = api_client().post(
            "/api/v1/auth/refresh", {"refresh_token": issued.refresh_token}, format="json"
        )
        assert refreshed.status_code == 200, refreshed.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access_token']}")
        assert client.get("/api/v1/me").status_code == 200
    # the old refresh token was single-use
    again = api_client().post(
        "/api/v1/auth/refresh", {"refresh_token": issued.refresh_token}, format="json"
    )
    assert_api_error(again, 401, "token_invalid")


def test_revoked_token_is_401(user):
    client, issued = sign_in(user)
    other_client, _ = sign_in(user)
    sessions = other_client.get("/api/v1/auth/sessions").json()["results"]
    assert len(sessions) == 2
    response = other_client.delete(f"/api/v1/auth/sessions/{issued.session.pk}")
    assert response.status_code == 204
    assert_api_error(client.get("/api/v1/me"), 401, "token_revoked")


def test_logout_ends_the_session(user):
    client, _ = sign_in(user)
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert_api_error(client.get("/api/v1/me"), 401, "token_revoked")


def test_cannot_revoke_someone_elses_session(user, other_user):
    _, victim = sign_in(other_user)
    attacker, _ = sign_in(user)
    response = attacker.delete(f"/api/v1/auth/sessions/{victim.session.pk}")
    assert_api_error(response, 404, "session_not_found")
    assert AuthSession.objects.get(pk=victim.session.pk).revoked_at is None
    assert_api_error(
        attacker.delete(f"/api/v1/auth/sessions/{uuid.uuid4()}"), 404, "session_not_found"
    )


def test_unknown_fields_are_named(user):
    body = _login_body(user.login)
    body["remember_me"] = True
    body["device"]["colour"] = "red"
    response = api_client().post(LOGIN, body, format="json")
    error = assert_api_error(response, 400, "validation_failed")
    assert "remember_me" in error["details"]["fields"]
    assert "colour" in error["details"]["fields"]["device"]


def test_malformed_json_is_400(user):
    response = api_client().post(LOGIN, '{"login": "x", ', content_type="application/json")
    assert_api_error(response, 400, "malformed_request")


def test_body_over_limit_is_413(user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _login_body(user.login)
    body["password"] = "x" * 2000
    response = api_client().post(LOGIN, body, format="json")
    assert_api_error(response, 413, "request_too_large")


def test_wrong_content_type_is_415(user):
    response = api_client().post(LOGIN, "login=x", content_type="text/plain")
    assert_api_error(response, 415, "unsupported_media_type")


def test_wrong_method_is_405(user):
    assert_api_error(api_client().get(LOGIN), 405, "method_not_allowed")


def test_unknown_api_path_is_json_404(user):
    assert_api_error(api_client(user).get("/api/v1/no-such-thing"), 404, "not_found")


def test_anonymous_is_401(db):
    assert_api_error(api_client().get("/api/v1/me"), 401, "not_authenticated")


def test_inactive_user_cannot_sign_in(db):
    user = UserFactory.create(is_active=False)
    response = api_client().post(LOGIN, _login_body(user.login), format="json")
    assert_api_error(response, 401, "invalid_credentials")
