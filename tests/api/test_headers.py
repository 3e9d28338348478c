"""Security headers: API answers are never cached, HTML pages carry a Content-Security-Policy
that allows nothing from outside the origin, and production turns HTTPS on everywhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers.api import api_client, sign_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _assert_not_cached(response) -> None:
    assert response["Cache-Control"] == "no-store", response.headers
    assert response["Pragma"] == "no-cache"
    for name, value in COMMON.items():
        assert response[name] == value, name


def _login(user, **overrides):
    body = {"login": user.login, "password": DEFAULT_PASSWORD,
            "device": {"id": "phone", "platform": "ios"}, **overrides}  # fmt: skip
    return api_client().post("/api/v1/auth/login", body, format="json")


def test_tokens_from_login_and_refresh_are_not_cached(user):
    response = _login(user)
    assert response.status_code == 200
    _assert_not_cached(response)
    refresh = api_client().post(
        "/api/v1/auth/refresh", {"refresh_token": response.json()["refresh_token"]}, format="json"
    )
    assert refresh.status_code == 200
    _assert_not_cached(refresh)


def test_the_2fa_secret_is_not_cached(user):
    client, _ = sign_in(user)
    response = client.post("/api/v1/auth/2fa/enrol")
    assert response.status_code == 200
    assert "secret" in response.json()
    _assert_not_cached(response)


@pytest.mark.parametrize(
    "request_",
    [
        lambda user: _login(user, password="wrong-password"),  # 401
        lambda user: api_client().get("/api/v1/me"),  # 401, anonymous
        lambda user: api_client(user).get("/api/v1/users/00000000-0000-0000-0000-000000000000"),
        lambda user: api_client(user).get("/api/v1/no-such-thing"),  # Django's 404 handler
        lambda user: api_client(user).get("/api/v1/users?q=%00"),  # refused by middleware
        lambda user: api_client(user).post(
            "/api/v1/conversations", "{", content_type="application/json"
        ),
    ],
    ids=["bad-password", "anonymous", "not-found", "no-route", "nul", "malformed"],
)  # fmt: skip
def test_error_answers_are_not_cached(user, request_):
    response = request_(user)
    assert response.status_code >= 400
    _assert_not_cached(response)
    assert "Content-Security-Policy" not in response  # JSON is not a page


def test_ordinary_answers_are_not_cached(user):
    _assert_not_cached(api_client(user).get("/api/v1/me"))


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


def _assert_page_headers(response) -> None:
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    for sources in csp.values():
        for source in sources:
            assert source.startswith("'") or source in {"data:", "blob:"}, source
    assert response["X-Frame-Options"] == "DENY"
    for name, value in COMMON.items():
        assert response[name] == value, name


def test_the_admin_login_page_has_the_policy():
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    _assert_page_headers(response)


def test_the_admin_pages_have_the_policy(db):
    staff = UserFactory.create(login="admin", is_staff=True, is_superuser=True)
    client = Client()
    assert client.login(login=staff.login, password=DEFAULT_PASSWORD)
    for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{staff.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        _assert_page_headers(response)
        html = response.content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        # The admin's only inline script tags carry JSON data, which is never executed.
        assert all('type="application/json"' in tag for tag in inline), (path, inline)


def test_swagger_ui_has_the_policy_and_no_inline_script():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    _assert_page_headers(response)
    html = response.content.decode()
    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("script=" in src for src in scripts)
    start_up = Client().get(next(src for src in scripts if "script=" in src).replace("&amp;", "&"))
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in start_up.content.decode()


def _production_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh process with ``env`` on top of a production base;
    prints the settings this module checks, as JSON."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "names = ['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_HSTS_PRELOAD', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'LANGUAGE_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY']; "
        "print(json.dumps({n: getattr(settings, n, None) for n in names}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_ENV": "production",
            "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "portal.example", **env,
        },
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _settings(env: dict[str, str]) -> dict:
    result = _production_settings(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_to_hsts_and_secure_cookies():
    values = _settings({})
    assert values == {
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": False,  # the browser client reads it for X-CSRFToken
    }


def test_production_https_settings_come_from_the_environment():
    values = _settings(
        {
            "SECURE_HSTS_SECONDS": "600",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "USE_X_FORWARDED_FOR": "true",
        }
    )
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_development_cookies_work_over_plain_http():
    result = _production_settings({"PORTAL_ENV": "development", "DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(
    "env,message",
    [
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"}, "SECURE_PROXY_SSL_HEADER"),
        ({"SECURE_PROXY_SSL_HEADER": "Заголовок"}, "SECURE_PROXY_SSL_HEADER"),
        ({"SECURE_SSL_REDIRECT": "true", "USE_X_FORWARDED_FOR": "true"}, "SECURE_PROXY_SSL_HEADER"),
        ({"SECURE_HSTS_SECONDS": "0", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true"}, "SECURE_HSTS"),
        ({"SECURE_HSTS_PRELOAD": "true"}, "SECURE_HSTS_INCLUDE_SUBDOMAINS"),
        ({"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS"),
        ({"SECURE_HSTS_SECONDS": "year"}, "SECURE_HSTS_SECONDS"),
        ({"SECURE_SSL_REDIRECT": "maybe"}, "SECURE_SSL_REDIRECT"),
    ],
)
def test_half_configured_https_fails_at_start_up(env, message):
    result = _production_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_browser_device_cookie_is_secure_in_production(user, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        "/api/v1/auth/session",
        {"login": user.login, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.cookies, "no cookie set"
    for name, morsel in response.cookies.items():
        assert morsel["secure"], name
        if name != "csrftoken":
            assert morsel["httponly"], name


def test_hsts_goes_with_https_answers_only(settings):
    settings.SECURE_HSTS_SECONDS = 600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert "Strict-Transport-Security" not in Client().get("/healthz")
    behind_proxy = Client().get("/healthz", headers={"x-forwarded-proto": "https"})
    assert behind_proxy["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
