"""Browser sign-in with a session cookie and CSRF protection."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.accounts.models import AuthSession
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers.api import assert_api_error, sign_in

pytestmark = pytest.mark.django_db


def _csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    return client, token


def _browser_login(client: Client, token: str, login: str, password: str = DEFAULT_PASSWORD):
    return client.post(
        "/api/v1/auth/session",
        {"login": login, "password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )


def test_browser_login_sets_session_and_device(user):
    client, token = _csrf_client()
    response = _browser_login(client, token, user.login)
    assert response.status_code == 200, response.content
    assert response.json()["login"] == user.login
    assert "sessionid" in response.cookies and "portal_device" in response.cookies
    assert client.get("/api/v1/me").status_code == 200
    session = AuthSession.objects.get(user=user)
    assert session.kind == "browser" and session.device.platform == "web"
    # signing in again from the same browser reuses the device and replaces the session
    client.cookies["portal_device"] = response.cookies["portal_device"].value
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    assert _browser_login(client, token, user.login).status_code == 200
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    assert AuthSession.objects.filter(user=user).values("device").distinct().count() == 1


def test_login_without_csrf_token_is_403(user):
    client, _ = _csrf_client()
    response = client.post(
        "/api/v1/auth/session",
        {"login": user.login, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert_api_error(response, 403, "csrf_failed")
    assert not AuthSession.objects.filter(user=user).exists()


def test_csrf_less_post_with_session_cookie_is_403(user):
    client, token = _csrf_client()
    _browser_login(client, token, user.login)
    response = client.patch(
        "/api/v1/me", {"phone": "+7 900 000-00-00"}, content_type="application/json"
    )
    assert_api_error(response, 403, "csrf_failed")
    user.refresh_from_db()
    assert user.phone == ""
    response = client.patch(
        "/api/v1/me",
        {"phone": "+7 900 000-00-00"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.phone == "+7 900 000-00-00"


def test_browser_wrong_password_is_401(user):
    client, token = _csrf_client()
    assert_api_error(
        _browser_login(client, token, user.login, "wrong-one-x"), 401, "invalid_credentials"
    )


def test_revoked_browser_session_is_signed_out_on_next_request(user):
    client, token = _csrf_client()
    _browser_login(client, token, user.login)
    browser_session = AuthSession.objects.get(user=user, kind="browser")
    phone, _ = sign_in(user)
    assert phone.delete(f"/api/v1/auth/sessions/{browser_session.pk}").status_code == 204
    assert_api_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_browser_logout(user):
    client, token = _csrf_client()
    _browser_login(client, token, user.login)
    response = client.delete(
        "/api/v1/auth/session", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    assert response.status_code == 204
    assert_api_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert AuthSession.objects.get(user=user).revoke_reason == "logout"


def test_sessions_list_marks_current_and_revoke_others(user):
    first, _ = sign_in(user, platform="android")
    second, issued = sign_in(user, platform="ios")
    listed = second.get("/api/v1/auth/sessions").json()["results"]
    assert {s["device"]["platform"] for s in listed} == {"android", "ios"}
    assert [s["current"] for s in listed if s["id"] == str(issued.session.pk)] == [True]
    assert second.post("/api/v1/auth/sessions/revoke-others").json() == {"revoked": 1}
    assert_api_error(first.get("/api/v1/me"), 401, "token_revoked")
    assert second.get("/api/v1/me").status_code == 200


def test_password_change_ends_other_sessions(user):
    first, _ = sign_in(user)
    second, _ = sign_in(user)
    new_password = "Another-Strong-Passphrase-7"
    response = second.post(
        "/api/v1/me/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": new_password},
        format="json",
    )
    assert response.status_code == 204, response.content
    assert_api_error(first.get("/api/v1/me"), 401, "token_revoked")
    assert second.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("new_password", ["short", "password123", "1234567890123"])
def test_weak_password_rejected(user, new_password):
    client, _ = sign_in(user)
    response = client.post(
        "/api/v1/me/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": new_password},
        format="json",
    )
    error = assert_api_error(response, 400, "invalid_password")
    assert error["details"]["messages"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_needs_current_password(user):
    client, _ = sign_in(user)
    response = client.post(
        "/api/v1/me/password",
        {"current_password": "not-it-at-all", "new_password": "Another-Strong-Passphrase-7"},
        format="json",
    )
    assert_api_error(response, 401, "invalid_credentials")


def test_profile_update_validates(user):
    client, _ = sign_in(user)
    assert_api_error(
        client.patch("/api/v1/me", {"time_zone": "Mars/Olympus"}, format="json"),
        400,
        "validation_failed",
    )
    error = assert_api_error(
        client.patch("/api/v1/me", {"last_name": "Hacker"}, format="json"), 400, "validation_failed"
    )
    assert "last_name" in error["details"]["fields"]
    response = client.patch(
        "/api/v1/me", {"language": "en", "time_zone": "Asia/Yekaterinburg"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["language"] == "en"


def test_admin_login_form_is_throttled_too(settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 2
    user = UserFactory.create(is_staff=True)
    assert (
        Client()
        .post("/admin/login/", {"username": user.login, "password": DEFAULT_PASSWORD})
        .status_code
        == 302
    )
    AuthSession.objects.all().delete()
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": user.login, "password": "wrong-wrong-1"})
    response = client.post("/admin/login/", {"username": user.login, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect into admin
    assert not AuthSession.objects.filter(user=user).exists()
