"""The calls REST API: the anonymous / outsider / permitted matrix of every endpoint, bad
input, history with missed calls, the active call, and the ICE servers."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from conferencing.models import Call
from portal import clock
from tests.helpers.api import api_client, assert_api_error

CALL_ENDPOINTS = [
    ("get", "/api/v1/calls/{id}"),
    ("post", "/api/v1/calls/{id}/accept"),
    ("post", "/api/v1/calls/{id}/decline"),
    ("post", "/api/v1/calls/{id}/cancel"),
    ("post", "/api/v1/calls/{id}/hangup"),
]
LIST_ENDPOINTS = [
    ("get", "/api/v1/calls"),
    ("post", "/api/v1/calls"),
    ("get", "/api/v1/calls/active"),
    ("get", "/api/v1/calls/ice-servers"),
]


def start(client, callee, kind="video"):
    return client.post("/api/v1/calls", {"kind": kind, "callee_id": str(callee.pk)}, format="json")


def _call(client, method, url):
    return getattr(client, method)(url, {}, format="json") if method == "post" else client.get(url)


@pytest.mark.parametrize(("method", "url"), CALL_ENDPOINTS)
def test_call_endpoints_anonymous_401_outsider_and_unknown_404(scene, method, url):
    call = start(scene.c["alice"], scene.bob).json()
    target = url.format(id=call["id"])
    assert_api_error(_call(api_client(), method, target), 401, "not_authenticated")
    assert_api_error(_call(scene.c["carol"], method, target), 404, "call_not_found")
    missing = url.format(id=uuid.uuid4())
    assert_api_error(_call(scene.c["bob_phone"], method, missing), 404, "call_not_found")
    assert Call.objects.get(pk=call["id"]).state == "ringing"  # nothing changed


@pytest.mark.parametrize(("method", "url"), LIST_ENDPOINTS)
def test_list_endpoints_anonymous_401(scene, method, url):
    assert_api_error(_call(api_client(), method, url), 401, "not_authenticated")


def test_call_endpoints_permitted(scene):
    c = scene.c
    created = start(c["alice"], scene.bob)
    assert created.status_code == 201, created.content
    call = created.json()
    assert call["state"] == "ringing" and call["callee_id"] == str(scene.bob.pk)
    assert c["bob_laptop"].get(f"/api/v1/calls/{call['id']}").json()["state"] == "ringing"
    active = c["bob_laptop"].get("/api/v1/calls/active").json()
    assert [a["id"] for a in active["results"]] == [call["id"]]
    assert c["carol"].get("/api/v1/calls/active").json()["results"] == []
    accepted = c["bob_phone"].post(f"/api/v1/calls/{call['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["accepted_device_id"] == str(scene.session["bob_phone"].device_id)
    assert_api_error(
        c["bob_laptop"].post(f"/api/v1/calls/{call['id']}/accept"), 409, "call_answered_elsewhere"
    )
    assert_api_error(c["alice"].post(f"/api/v1/calls/{call['id']}/accept"), 403, "call_wrong_party")
    assert_api_error(
        c["bob_phone"].post(f"/api/v1/calls/{call['id']}/decline"), 409, "call_not_active"
    )
    ended = c["alice"].post(f"/api/v1/calls/{call['id']}/hangup")
    assert ended.status_code == 200 and ended.json()["state"] == "ended"
    assert_api_error(c["alice"].post(f"/api/v1/calls/{call['id']}/hangup"), 409, "call_not_active")
    declined = start(c["alice"], scene.bob).json()
    assert (
        c["bob_laptop"].post(f"/api/v1/calls/{declined['id']}/decline").json()["state"]
        == "declined"
    )
    cancelled = start(c["alice"], scene.bob).json()
    assert c["alice"].post(f"/api/v1/calls/{cancelled['id']}/cancel").json()["state"] == "cancelled"


def test_bad_input_is_refused_and_creates_nothing(scene):
    c = scene.c
    cases = [
        ({"kind": "video", "callee_id": str(scene.alice.pk)}, 400, "call_self"),
        ({"kind": "video", "callee_id": str(uuid.uuid4())}, 404, "user_not_found"),
        ({"kind": "video", "callee_id": "nope"}, 400, "validation_failed"),
        ({"kind": "hologram", "callee_id": str(scene.bob.pk)}, 400, "validation_failed"),
        ({"callee_id": str(scene.bob.pk)}, 400, "validation_failed"),
        ({"kind": "audio"}, 400, "call_invalid"),
        ({"kind": "audio", "callee_id": str(scene.bob.pk), "extra": 1}, 400, "validation_failed"),
        ({"kind": "audio", "conversation_id": str(uuid.uuid4())}, 404, "conversation_not_found"),
    ]
    for body, status, code in cases:
        assert_api_error(c["alice"].post("/api/v1/calls", body, format="json"), status, code)
    assert_api_error(
        c["alice"].post("/api/v1/calls", [1, 2], format="json"), 400, "validation_failed"
    )
    assert not Call.objects.exists()


def test_a_caller_in_a_call_gets_409_and_a_busy_callee_a_busy_call(scene):
    c = scene.c
    start(c["carol"], scene.bob)
    assert_api_error(start(c["bob_phone"], scene.alice), 409, "already_in_call")
    busy = start(c["alice"], scene.bob)
    assert busy.status_code == 201 and busy.json()["state"] == "busy"


def test_history_is_paged_newest_first_with_missed_calls_marked(scene):
    c = scene.c
    now = timezone.now()
    with clock.frozen(now) as frozen:
        missed = start(c["alice"], scene.bob).json()
        c["alice"].post(f"/api/v1/calls/{missed['id']}/cancel")
        frozen.advance(60)
        answered = start(c["bob_phone"], scene.alice).json()
        c["alice"].post(f"/api/v1/calls/{answered['id']}/accept")
        c["alice"].post(f"/api/v1/calls/{answered['id']}/hangup")
        frozen.advance(60)
        declined = start(c["alice"], scene.bob).json()
        c["bob_phone"].post(f"/api/v1/calls/{declined['id']}/decline")
    first = c["bob_laptop"].get("/api/v1/calls", {"limit": 2}).json()
    rows = [(r["id"], r["direction"], r["missed"]) for r in first["results"]]
    assert rows == [(declined["id"], "incoming", False), (answered["id"], "outgoing", False)]
    rest = c["bob_laptop"].get("/api/v1/calls", {"limit": 2, "cursor": first["next"]}).json()
    assert [(r["id"], r["missed"]) for r in rest["results"]] == [(missed["id"], True)]
    assert rest["next"] is None
    # Alice made that one: for her it is not a missed call.
    mine = {r["id"]: r for r in c["alice"].get("/api/v1/calls").json()["results"]}
    assert (mine[missed["id"]]["direction"], mine[missed["id"]]["missed"]) == ("outgoing", False)
    assert c["carol"].get("/api/v1/calls").json()["results"] == []
    assert_api_error(c["alice"].get("/api/v1/calls", {"cursor": "zzz"}), 400, "invalid_cursor")


def test_ice_servers_are_empty_without_stun_or_turn(scene, settings):
    settings.TURN_SECRET, settings.TURN_URLS, settings.STUN_URLS = "", [], []
    body = scene.c["alice"].get("/api/v1/calls/ice-servers").json()
    assert body == {
        "ice_servers": [], "expires_at": None, "ttl_seconds": None, "ice_transport_policy": "all",
    }  # fmt: skip
    settings.STUN_URLS = ["stun:turn.example.gov:3478"]
    body = scene.c["alice"].get("/api/v1/calls/ice-servers").json()
    assert body["ice_servers"] == [{"urls": ["stun:turn.example.gov:3478"]}]


def test_ice_servers_carry_a_coturn_credential_that_expires(scene, settings):
    settings.TURN_SECRET = "a-long-shared-secret-for-coturn"
    settings.TURN_URLS = ["turn:turn.example.gov:3478?transport=udp", "turns:turn.example.gov:5349"]
    settings.STUN_URLS = []
    settings.TURN_TTL = 3600
    now = timezone.now()
    with clock.frozen(now):
        body = scene.c["alice"].get("/api/v1/calls/ice-servers").json()
    (server,) = body["ice_servers"]
    expiry = int(now.timestamp()) + 3600
    assert server["urls"] == settings.TURN_URLS
    assert server["username"] == f"{expiry}:{scene.alice.pk}"
    expected = hmac.new(settings.TURN_SECRET.encode(), server["username"].encode(), hashlib.sha1)
    assert server["credential"] == base64.b64encode(expected.digest()).decode()
    assert body["ttl_seconds"] == 3600
    assert dt.datetime.fromisoformat(body["expires_at"]).timestamp() == expiry
    assert body["ice_transport_policy"] == "all"
    settings.CALL_ICE_TRANSPORT_POLICY = "relay"
    body = scene.c["alice"].get("/api/v1/calls/ice-servers").json()
    assert body["ice_transport_policy"] == "relay"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"TURN_SECRET": "a-long-shared-secret-for-coturn"}, "TURN_SECRET and TURN_URLS"),
        ({"TURN_URLS": "turn:turn.example.gov:3478"}, "TURN_SECRET and TURN_URLS"),
        ({"TURN_SECRET": "short", "TURN_URLS": "turn:t.example.gov"}, "at least 16"),
        ({"TURN_SECRET": "a-long-shared-secret-for-coturn", "TURN_URLS": "http://t"}, "turn:"),
        ({"STUN_URLS": "turn:t.example.gov"}, "stun:"),
        ({"CALL_DISCONNECT_GRACE": "10"}, "WEBSOCKET_POLL_SECONDS"),
        ({"CALL_ICE_TRANSPORT_POLICY": "relay"}, "needs TURN_SECRET"),
        ({"CALL_ICE_TRANSPORT_POLICY": "direct"}, "all or relay"),
    ],
)
def test_half_configured_turn_fails_at_start_up(environment, message):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURN_", "STUN_", "CALL_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings", **environment},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
