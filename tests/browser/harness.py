"""The browser-test harness: pages that may talk only to the live server, sign-in helpers,
screenshots and accessibility checks. The fixtures that hand these out live in
tests/browser/conftest.py; docs/testing.md says how to write a test with them.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Error, Page, Route, WebSocket

from messaging.models import Conversation
from messaging.services import conversation_create, direct_conversation
from portal.accounts.models import User
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers.live import LiveServer

# Keys of the client's localStorage (frontend/src/realtime/store.ts, prefix in client.ts).
STORAGE_PREFIX = "portal."
# What the browser client sends as its device (frontend/src/app/client.ts, APP_VERSION).
WEB_DEVICE = {"platform": "web", "model": "Chromium", "os_version": "", "app_version": "0.1.0"}
# Playwright's own timeouts, short enough that a broken page fails in seconds, not minutes.
ACTION_TIMEOUT_MS = 10_000
# What the live server serves at / (portal/web/views.py).
DIST_INDEX = Path(settings.FRONTEND_DIST) / "index.html"
AXE_PATH = settings.BASE_DIR / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# The co-editing socket of one document (documents/consumers.py, routed in portal/asgi.py).
DOCUMENT_SOCKET_PATH = re.compile(
    r"/ws/documents/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/"
)
# A conference guest's socket (conferencing/consumers_conferences.py).
GUEST_SOCKET_PATH = "/ws/conferences/guest/"
# axe-core reports impacts minor, moderate, serious and critical; the last two fail a test.
AXE_FAILING_IMPACTS = ("serious", "critical")


# --- artifacts ------------------------------------------------------------------------------


def artifacts_root() -> Path:
    """Where screenshots go: $BROWSER_ARTIFACTS, else var/artifacts/browser."""
    configured = os.environ.get("BROWSER_ARTIFACTS")
    return Path(configured) if configured else settings.BASE_DIR / "var" / "artifacts" / "browser"


def current_test_dir() -> Path:
    """The running test's artifact directory, named after the test (from the
    PYTEST_CURRENT_TEST variable pytest sets: "path::name (phase)")."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "outside-a-test")
    name = current.rsplit("::", 1)[-1].rsplit(" (", 1)[0]
    return artifacts_root() / re.sub(r"[^\w.\-\[\]]+", "_", name)


def shot(page: Page, name: str) -> Path:
    """Save a PNG of the whole page as <artifacts>/<test name>/<name>.png; its path."""
    path = current_test_dir() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


# --- accessibility --------------------------------------------------------------------------


def assert_accessible(page: Page, *, context: str | None = None) -> None:
    """Run axe-core on the page (or on the element ``context`` selects) and fail on any
    serious or critical violation, listing each with the elements it was found on.

    axe is injected through the DevTools protocol (page.evaluate), not a script tag: the
    app's Content Security Policy stays in force for everything the page itself loads.
    """
    if not AXE_PATH.exists():
        raise AssertionError(f"{AXE_PATH} is missing: run make frontend-install")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate(
        """async (selector) => {
            const target = selector === null ? document : document.querySelector(selector);
            if (target === null) throw new Error(`nothing matches ${selector}`);
            return await window.axe.run(target, {resultTypes: ["violations"]});
        }""",
        context,
    )
    failing = [v for v in results["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
    if failing:
        raise AssertionError(
            f"axe-core: {len(failing)} serious or critical violation(s) on {page.url}\n"
            + "\n".join(_describe_violation(v) for v in failing)
        )


def _describe_violation(violation: dict[str, Any]) -> str:
    lines = [f"- [{violation['impact']}] {violation['id']}: {violation['help']}"]
    for node in violation["nodes"][:10]:
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    if len(violation["nodes"]) > 10:
        lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


# --- the guarded browser session ------------------------------------------------------------


@dataclass
class BrowserSession:
    """One test's pages, each in its own browser context, that may talk to the live server
    only. Requests anywhere else are aborted and recorded; websockets must be the server's
    /ws/ or a document's /ws/documents/<uuid>/; console errors and uncaught page errors are
    recorded. ``problems()`` lists all of them; the fixture fails the test when it is not
    empty.

    Problems are checked when the test body ends (a failure of the test itself, with
    screenshots) and again after the contexts are closed, for what came later.
    """

    browser: Browser
    server: LiveServer
    contexts: list[BrowserContext] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    bad_websockets: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    allowed_console: list[re.Pattern[str]] = field(default_factory=list)

    def __call__(
        self,
        user: User | None = None,
        *,
        password: str = DEFAULT_PASSWORD,
        locale: str = "ru-RU",
    ) -> Page:
        """A page in a new context. With ``user``, the context starts signed in: tokens
        from a real REST sign-in are put where the client keeps them before the first
        navigation, so the test skips the sign-in form. Navigate with relative URLs
        (``page.goto("/")``)."""
        context = self.browser.new_context(
            base_url=self.server.url,
            locale=locale,
            timezone_id="Europe/Moscow",
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.contexts.append(context)
        context.route("**/*", self._route)
        context.on("page", self._watch)
        if user is not None:
            self._seed_tokens(context, user, password)
        return context.new_page()

    def allow_console_error(self, pattern: str) -> None:
        """Ignore console errors matching ``pattern`` (a regex searched in
        "<text> [<url>]"): only for errors the test provokes on purpose, such as
        Chromium's "Failed to load resource" line for a 401 the test asks for."""
        self.allowed_console.append(re.compile(pattern))

    @property
    def pages(self) -> list[Page]:
        return [page for context in self.contexts for page in context.pages]

    def __repr__(self) -> str:
        return f"<BrowserSession on {self.server.url}, {len(self.contexts)} context(s)>"

    def take_problems(self) -> list[str]:
        """What the pages did wrong since the last call (each problem is reported once)."""
        found = self.problems()
        self.outside_requests.clear()
        self.bad_websockets.clear()
        self.console_errors.clear()
        return found

    def problems(self) -> list[str]:
        found = []
        if self.outside_requests:
            found.append("requests outside the live server (aborted):")
            found += [f"  {url}" for url in self.outside_requests]
        if self.bad_websockets:
            found.append(f"websockets other than {self.server.ws_url()}:")
            found += [f"  {url}" for url in self.bad_websockets]
        errors = [
            e for e in self.console_errors if not any(p.search(e) for p in self.allowed_console)
        ]
        if errors:
            found.append("console errors:")
            found += [f"  {error}" for error in errors]
        return found

    def close(self) -> None:
        # A route handler still waiting on the server when the test ends (a test that
        # lost an answer on purpose, say) would otherwise raise into the next test.
        for context in self.contexts:
            for page in context.pages:
                page.unroute_all(behavior="ignoreErrors")
            context.unroute_all(behavior="ignoreErrors")
            context.close()

    # -- the checks --

    def _route(self, route: Route) -> None:
        url = route.request.url
        if self._same_origin(url):
            route.continue_()
        else:
            self.outside_requests.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def _same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.server.origin

    def _watch(self, page: Page) -> None:
        page.on("websocket", self._check_websocket)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", self._page_error)

    def _check_websocket(self, socket: WebSocket) -> None:
        parts = urlsplit(socket.url)
        ours = (parts.scheme, parts.netloc) == ("ws", f"127.0.0.1:{self.server.port}")
        # The event socket, a document's editing socket (y-websocket, docs/collab.md), or a
        # conference guest's socket.
        known = parts.path in ("/ws/", GUEST_SOCKET_PATH) or DOCUMENT_SOCKET_PATH.fullmatch(
            parts.path
        )
        if not ours or not known:
            self.bad_websockets.append(socket.url)

    def _page_error(self, error: Error) -> None:
        self.console_errors.append(f"uncaught {error.name}: {error.message}")

    def _console(self, page: Page, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            self.console_errors.append(f"{message.text} [{where}]")

    def _seed_tokens(self, context: BrowserContext, user: User, password: str) -> None:
        tokens = api_sign_in(self.server, user, password=password)
        entries = {
            STORAGE_PREFIX + "tokens": json.dumps(tokens),
            STORAGE_PREFIX + "device_id": json.dumps(tokens["device_id"]),
        }
        # Once per tab (sessionStorage survives reloads): a reload must not undo a refresh
        # or a sign-out the test performed.
        context.add_init_script(
            f"""(() => {{
                if (location.origin !== {json.dumps(self.server.origin)}) return;
                if (sessionStorage.getItem("portal-tests.seeded")) return;
                sessionStorage.setItem("portal-tests.seeded", "1");
                for (const [key, value] of Object.entries({json.dumps(entries)})) {{
                    localStorage.setItem(key, value);
                }}
            }})();"""
        )


def api_sign_in(server: LiveServer, user: User, *, password: str = DEFAULT_PASSWORD) -> Any:
    """A token pair from ``POST /api/v1/auth/login`` on the live server, as the browser
    client would get it (a web device with a fresh id)."""
    device = {"id": str(uuid.uuid4()), **WEB_DEVICE}
    response = server.http().post(
        f"{server.url}/api/v1/auth/login",
        json={"login": user.login, "password": password, "otp": "", "device": device},
        timeout=10,
    )
    assert response.status_code == 200, (response.status_code, response.text[:500])
    return response.json()


def sign_in_through_form(page: Page, login: str, password: str, otp: str | None = None) -> None:
    """Fill the sign-in form and submit it; with ``otp``, also the second step. Waits for
    nothing else: the test asserts what it expects to see next."""
    form = page.locator('form[name="sign-in"]')
    form.locator('input[name="login"]').fill(login)
    form.locator('input[name="password"]').fill(password)
    form.locator('[type="submit"]').click()
    if otp is not None:
        page.locator('input[name="otp"]').fill(otp)  # waits for the second step
        form.locator('[type="submit"]').click()


# --- data ------------------------------------------------------------------------------------


def make_direct(a: User, b: User) -> Conversation:
    """The direct chat between ``a`` and ``b``, through the service."""
    return direct_conversation(actor=a, other=b)


def make_group(owner: User, *members: User, title: str = "Рабочая группа") -> Conversation:
    """A private group owned by ``owner`` with ``members``, through the service."""
    return conversation_create(
        actor=owner, kind=Conversation.Kind.GROUP, title=title, member_ids=[m.pk for m in members]
    )
