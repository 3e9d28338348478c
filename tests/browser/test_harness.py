"""The harness's own checks catch what they promise to: requests off the server, other
websockets, console and page errors, accessibility violations."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.harness import BrowserSession, assert_accessible


def test_requests_off_the_server_are_aborted_and_reported(page_for: BrowserSession) -> None:
    page = page_for()
    page.goto("/")
    with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("http://portal-tests.invalid/tracker.gif")
    # Taken, so that the check at the end of the test finds nothing more.
    assert page_for.take_problems() == [
        "requests outside the live server (aborted):",
        "  GET http://portal-tests.invalid/tracker.gif",
    ]


def test_other_websockets_are_reported(page_for: BrowserSession) -> None:
    page = page_for()
    page.goto("/")
    # The server's origin (the CSP stops any other before it is opened), another path.
    url = f"ws://127.0.0.1:{page_for.server.port}/elsewhere/"
    with page.expect_websocket():
        page.evaluate("url => new Promise(done => { new WebSocket(url).onclose = done; })", url)
    problems = page_for.take_problems()
    assert problems[:2] == [f"websockets other than {page_for.server.ws_url()}:", f"  {url}"]
    assert problems[2:3] == ["console errors:"]  # Chromium logs the refused handshake


def test_document_sockets_are_allowed_other_paths_under_them_are_not(
    page_for: BrowserSession,
) -> None:
    page = page_for()
    page.goto("/")
    port = page_for.server.port
    allowed = f"ws://127.0.0.1:{port}/ws/documents/{uuid.uuid4()}/?ticket=x"
    refused = f"ws://127.0.0.1:{port}/ws/documents/not-a-document/"
    for url in (allowed, refused):
        with page.expect_websocket():
            page.evaluate("url => new Promise(done => { new WebSocket(url).onclose = done; })", url)
    problems = page_for.take_problems()
    assert problems[:2] == [f"websockets other than {page_for.server.ws_url()}:", f"  {refused}"]


def test_console_and_page_errors_are_reported(page_for: BrowserSession) -> None:
    page = page_for()
    page.goto("/")
    with page.expect_event("pageerror"):
        page.evaluate("""() => {
            console.error("сломалось");
            setTimeout(() => { throw new Error("не поймано"); });
        }""")
    assert page_for.take_problems() == [
        "console errors:",
        f"  сломалось [{page_for.server.url}/]",
        "  uncaught Error: не поймано",
    ]


def test_accessibility_violations_fail(page_for: BrowserSession) -> None:
    page = page_for()
    page.goto("/")
    page.locator("body").evaluate("body => body.append(document.createElement('button'))")
    with pytest.raises(AssertionError, match=r"\[critical\] button-name: Buttons must have"):
        assert_accessible(page)
