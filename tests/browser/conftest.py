"""Fixtures of the browser tests: one Chromium (Debian's, through Playwright's sync API) for
the package, the live daphne serving the built client, and ``page_for``: guarded pages,
one browser context per user. A failing test leaves a screenshot of every open page.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.browser.harness import DIST_INDEX, BrowserSession, current_test_dir
from tests.helpers.live import LiveServer, daphne_server, live_env

__all__ = ["daphne_server", "live_env"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="package")
def browser_server(daphne_server: LiveServer) -> LiveServer:
    """The run's live daphne, which serves the built client (frontend/dist) at /."""
    if not DIST_INDEX.exists():
        # Failing, not skipping: a run without the build would silently lose these tests.
        pytest.fail(f"{DIST_INDEX} is missing: run make frontend-build", pytrace=False)
    return daphne_server


@pytest.fixture(scope="package")
def playwright(browser_server: LiveServer) -> Iterator[Playwright]:
    """Playwright's sync API for the browser tests (package-scoped, not session-scoped:
    see below).

    The sync API parks its asyncio loop in a greenlet of this thread, and while it lives
    asyncio reports that loop as running here. Django then refuses ORM calls from the
    test ("SynchronousOnlyOperation"), though they run synchronously in the main greenlet
    and no coroutine of ours is on that loop; DJANGO_ALLOW_ASYNC_UNSAFE lifts the check
    for exactly that span. For the same reason Playwright is stopped when the package
    ends: the async tests that come after need the thread free of a running loop. The
    server was started before (``browser_server``), so daphne runs with the check on.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for all browser tests; each test gets fresh contexts."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run make browser-deps", pytrace=False)
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page_for(
    browser: Browser, browser_server: LiveServer, transactional_db: Any
) -> Iterator[BrowserSession]:
    """``page_for(user)`` opens a page in a new context, signed in as ``user`` (or
    anonymous with no user). Everything the pages did is checked when the test ends:
    any request off the live server, any other websocket, any console error fails it.
    Data the test creates must be committed for daphne to see it: hence
    ``transactional_db``."""
    session = BrowserSession(browser=browser, server=browser_server)
    yield session
    session.close()
    problems = session.take_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail the test itself (not only its teardown) when its pages misbehaved, so the
    failure screenshot below shows them as they were."""
    yield
    session = getattr(item, "funcargs", {}).get("page_for")
    if isinstance(session, BrowserSession):
        problems = session.take_problems()
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    session = getattr(item, "funcargs", {}).get("page_for")
    if report.failed and report.when == "call" and isinstance(session, BrowserSession):
        saved = []
        for n, page in enumerate(session.pages):
            path = current_test_dir() / f"failure-{n}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=path, full_page=True)
            except Exception as error:  # a crashed page must not hide the real failure
                saved.append(f"{page.url}: no screenshot ({error})")
            else:
                saved.append(f"{page.url}: {path}")
        if saved:
            report.sections.append(("browser screenshots", "\n".join(saved)))
    return report
