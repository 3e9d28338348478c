"""Django serves the built browser client: the page at every client route, hashed assets
cached for a year, nothing outside frontend/dist, and the API's own 404s untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client


@pytest.fixture
def dist(tmp_path: Path, settings) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1a2b.js">'
        "</script>",
        encoding="utf-8",
    )
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("not for the web", encoding="utf-8")
    settings.FRONTEND_DIST = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "path",
    ["/", "/c/123e4567-e89b-12d3-a456-426614174000", "/settings/sessions", "/search?q=x", "/x/y"],
)
def test_every_client_route_gets_the_page(client: Client, dist: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b'<div id="root">' in response.content
    assert response["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_hashed_assets_are_cached_for_a_year(client: Client, dist: Path) -> None:
    response = client.get("/assets/app-1a2b.js")
    assert response.status_code == 200
    assert response["Content-Type"] in {"text/javascript", "application/javascript"}
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.getvalue() == b"console.log(1)"
    icon = client.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/assets/missing.js",
        "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/",
    ],
)
def test_nothing_outside_the_build_is_served(client: Client, dist: Path, path: str) -> None:
    # A missing asset is a 404, never the page: a stale tab must not parse HTML as script.
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_keeps_its_json_404(client: Client, dist: Path) -> None:
    for path in ("/api/v1/nope", "/api/nope", "/ws/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_only_safe_methods(client: Client, dist: Path) -> None:
    assert client.post("/c/123e4567-e89b-12d3-a456-426614174000").status_code in {403, 405}
    assert client.head("/").status_code == 200


def test_an_unbuilt_client_says_how_to_build_it(client: Client, settings, tmp_path: Path) -> None:
    settings.FRONTEND_DIST = str(tmp_path / "nothing")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert b"make frontend-build" in response.content
