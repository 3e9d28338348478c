"""The per-user rate limit: a sliding window kept in Redis (portal/api/throttling.py)."""

from __future__ import annotations

import pytest
from rest_framework.throttling import UserRateThrottle as DRFUserRateThrottle

from portal.api.throttling import UserRateThrottle, _script
from tests.helpers.api import api_client

pytestmark = pytest.mark.django_db


def test_it_runs_on_redis_in_the_suite():
    assert _script() is not None


def test_the_window_slides(user, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(DRFUserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: now[0])
    client = api_client(user)
    for step in (0, 10, 20):
        now[0] = 1_000_000.0 + step
        assert client.get("/api/v1/me").status_code == 200
    now[0] = 1_000_030.0
    refused = client.get("/api/v1/me")
    assert refused.status_code == 429
    # The oldest request (at +0) leaves the window at +60: 30 s from now.
    assert int(refused["Retry-After"]) == 31
    now[0] = 1_000_059.0
    assert client.get("/api/v1/me").status_code == 429
    now[0] = 1_000_060.5
    assert client.get("/api/v1/me").status_code == 200
    # A refused request is not counted: +10 and +20 and this one fill the window again.
    assert client.get("/api/v1/me").status_code == 429


def test_users_are_counted_apart(user, other_user, monkeypatch):
    monkeypatch.setattr(DRFUserRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    first, second = api_client(user), api_client(other_user)
    assert [first.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/me").status_code == 200
