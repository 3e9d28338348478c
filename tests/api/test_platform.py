"""Health checks, the OpenAPI schema and docs, and production start-up checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client
from openapi_spec_validator import validate

from tests.helpers.api import api_client

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_needs_nothing():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_storage():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_failing_part(monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "set", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "not_ready"
    assert body["error"]["details"]["failing"] == ["redis"]
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_openapi_schema_validates():
    response = api_client().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    paths = schema["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/users", "/api/v1/me"):
        assert path in paths, path


@pytest.mark.django_db
def test_swagger_ui_uses_local_assets_only():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for external in ("cdn.", "unpkg.com", "jsdelivr", "googleapis"):
        assert external not in html


def _start_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"],
        cwd=ROOT,
        env={**clean, "PORTAL_ENV": "production", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GOOD_KEY = "k" * 50


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "true", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example"}, "DEBUG"),
        ({"ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "p.example", "S3_ENDPOINT": "http://x"},
            "S3_ACCESS_KEY",
        ),
    ],
)
def test_production_refuses_unsafe_settings(env, message):
    result = _start_settings(env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_safe_settings():
    result = _start_settings({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example"})
    assert result.returncode == 0, result.stderr


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(GOOD_KEY + "\n")
    result = _start_settings({"SECRET_KEY_FILE": str(key_file), "ALLOWED_HOSTS": "portal.example"})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_api_rate_limit_answers_429_with_retry_after(user, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    client = api_client(user)
    for _ in range(3):
        assert client.get("/api/v1/me").status_code == 200
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    body = response.json()
    assert body["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert body["error"]["details"]["retry_after"] == int(response["Retry-After"])


@pytest.mark.django_db
def test_messages_follow_the_users_language(user):
    from portal.accounts.services import user_update_profile
    from portal.audit.services import RequestContext

    client = api_client(user)
    russian = client.get("/api/v1/users/00000000-0000-0000-0000-000000000000").json()
    user_update_profile(user=user, changes={"language": "en"}, context=RequestContext())
    english = client.get("/api/v1/users/00000000-0000-0000-0000-000000000000").json()
    assert english["error"]["message"] == "User not found."
    assert russian["error"]["message"] != english["error"]["message"]
