"""A meeting in the browser: a guest opens the meeting's link in one browser context, gives
a name and waits in the lobby; the moderator, in another, sees them waiting and admits
them; both then see each other in the participant list — and, with Portal handing out
TURN credentials of a coturn on loopback, their peer connection reaches "connected"
through the relay.

Chromium runs with fake camera and microphone. Every RTCPeerConnection the pages make is
recorded: each is relay-only (``iceTransportPolicy: "relay"``, the client's "always relay"
setting) with no ICE server but on loopback (none at all on the shared server, so no
candidate is ever gathered there), so media goes only through the TURN relay on
127.0.0.1; the harness checks that every request and websocket is the live server's.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from conferencing import services
from tests.browser.actions import off_loop
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.harness import BrowserSession, assert_accessible, shot
from tests.conferencing.coturn import Coturn, coturn
from tests.factories.accounts import UserFactory
from tests.factories.conferencing import conference_for
from tests.helpers.live import LiveServer, start_daphne, stop_daphne

__all__ = ["coturn"]
# How long two peers on loopback may take to connect through the relay (bounded wait).
CONNECT_TIMEOUT_MS = 30_000

MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]
# Before any script of the page: the client's "always relay" setting
# (frontend/src/conferences/relay.ts), and a record of every RTCPeerConnection's config.
INIT_SCRIPT = """
localStorage.setItem("portal.conferences.relayOnly", "1");
window.__peerConfigs = [];
const Original = window.RTCPeerConnection;
window.RTCPeerConnection = function (config) {
  window.__peerConfigs.push(JSON.parse(JSON.stringify(config || {})));
  return new Original(config);
};
window.RTCPeerConnection.prototype = Original.prototype;
"""


@pytest.fixture(scope="module")
def media_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + MEDIA_ARGS
    )
    yield browser
    browser.close()


def _guarded(browser: Browser, server: LiveServer) -> Iterator[BrowserSession]:
    """``page_for`` on the fake-media Chromium, with the same checks."""
    session = BrowserSession(browser=browser, server=server)
    yield session
    session.close()
    problems = session.take_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def media_pages(
    media_browser: Browser, browser_server: LiveServer, transactional_db: Any
) -> Iterator[BrowserSession]:
    yield from _guarded(media_browser, browser_server)


@pytest.fixture(scope="module")
def turn_server(
    browser_server: LiveServer,
    live_env: dict[str, str],
    coturn: Coturn,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """A daphne that hands out TURN credentials of the test coturn (loopback only)."""
    env = {**live_env, "TURN_SECRET": coturn.secret, "TURN_URLS": coturn.url, "STUN_URLS": ""}
    server = start_daphne(env, tmp_path_factory.mktemp("daphne") / "turn.log")
    yield server
    stop_daphne(server)


@pytest.fixture
def turn_pages(
    media_browser: Browser, turn_server: LiveServer, transactional_db: Any
) -> Iterator[BrowserSession]:
    yield from _guarded(media_browser, turn_server)


def _media_page(session: BrowserSession, user: Any = None) -> Page:
    page = session(user)
    page.context.grant_permissions(["camera", "microphone"])
    page.context.add_init_script(INIT_SCRIPT)
    return page


def _assert_relay_only(page: Page) -> None:
    configs = page.evaluate("() => window.__peerConfigs")
    for config in configs:
        assert config.get("iceTransportPolicy") == "relay", config
        for server in config.get("iceServers", []):
            urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
            assert all("127.0.0.1" in url for url in urls), config


def _participants(page: Page) -> Any:
    return page.locator('[data-testid="conference-participants"] [data-testid="participant"]')


def _admitted(session: BrowserSession) -> tuple[Page, Page]:
    """The moderator joins, the guest opens the link and waits, the moderator admits them;
    both see each other. Their pages."""
    organizer = UserFactory.create(login="organizer", last_name="Смирнова", first_name="Анна")
    conference = off_loop(partial(conference_for, organizer, title="Приём граждан"))
    _link, secret = off_loop(
        partial(
            services.guest_link_create, actor=organizer, conference_id=conference.pk,
            expires_in_minutes=60,
        )
    )  # fmt: skip

    moderator = _media_page(session, organizer)
    moderator.goto(f"/conferences/{conference.pk}")
    moderator.locator('[data-testid="join-conference"]').click()
    expect(moderator.locator('[data-testid="conference-room"]')).to_be_visible()
    expect(_participants(moderator)).to_have_count(1)

    guest = _media_page(session)
    guest.goto(f"/conferences/guest#{secret}")
    expect(guest.get_by_role("heading", name="Вход во встречу")).to_be_visible()
    guest.locator('[data-testid="guest-name"]').fill("Иван Гостев")
    guest.locator('[data-testid="guest-enter"]').click()
    lobby = guest.locator('[data-testid="guest-lobby"]')
    expect(lobby).to_contain_text("Зал ожидания")
    expect(lobby).to_contain_text("Приём граждан")
    shot(guest, "guest-lobby")
    assert_accessible(guest)

    waiting = moderator.locator('[data-testid="lobby-entry"]')
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Иван Гостев")
    shot(moderator, "moderator-sees-the-lobby")
    waiting.locator('[data-testid="admit"]').click()

    expect(guest.locator('[data-testid="conference-room"]')).to_be_visible()
    for page in (guest, moderator):
        expect(_participants(page)).to_have_count(2)
        expect(_participants(page).filter(has_text="Иван Гостев")).to_have_count(1)
        expect(_participants(page).filter(has_text="Смирнова")).to_have_count(1)
    expect(moderator.locator('[data-testid="lobby-entry"]')).to_have_count(0)
    # The guest sees only that meeting: no sidebar, no conversations, no moderation.
    expect(guest.locator('[data-testid="sidebar"]')).to_have_count(0)
    expect(guest.locator('[data-testid="end-all"]')).to_have_count(0)
    # The newcomer offered to the moderator: peer connections exist, relay-only.
    guest.wait_for_function("() => window.__peerConfigs.length > 0")
    moderator.wait_for_function("() => window.__peerConfigs.length > 0")
    for page in (guest, moderator):
        _assert_relay_only(page)
    return moderator, guest


def test_a_guest_waits_in_the_lobby_and_the_moderator_admits_them(
    media_pages: BrowserSession,
) -> None:
    moderator, guest = _admitted(media_pages)
    shot(guest, "guest-admitted")
    shot(moderator, "moderator-with-the-guest")

    # The guest raises a hand: the moderator sees it, the guest first in the list.
    guest.locator('[data-testid="toggle-hand"]').click()
    expect(guest.locator('[data-testid="toggle-hand"]')).to_have_text("Опустить руку")
    expect(_participants(moderator).first).to_contain_text("Иван Гостев")
    expect(_participants(moderator).first).to_contain_text("поднял(а) руку")
    # The moderator mutes the guest: the guest's microphone goes off on their side too.
    expect(guest.locator('[data-testid="toggle-mic"]')).to_have_text("Выключить микрофон")
    expect(_participants(moderator).filter(has_text="Иван Гостев")).to_contain_text(
        "микрофон включён"
    )
    moderator.get_by_role("button", name="Выключить микрофон: Иван Гостев").click()
    expect(guest.locator('[data-testid="toggle-mic"]')).to_have_text("Включить микрофон")
    expect(_participants(moderator).filter(has_text="Иван Гостев")).to_contain_text(
        "микрофон выключен"
    )
    # The moderator ends the meeting for everyone: the guest is told, and is out.
    moderator.once("dialog", lambda dialog: dialog.accept())
    moderator.locator('[data-testid="end-all"]').click()
    expect(guest.locator('[data-testid="guest-gone"]')).to_have_text("Встреча завершена.")
    expect(moderator.locator('[data-testid="conference-ended"]')).to_be_visible()
    shot(guest, "guest-after-the-end")


def test_the_guest_and_the_moderator_connect_through_the_turn_relay(
    turn_pages: BrowserSession, coturn: Coturn
) -> None:
    moderator, guest = _admitted(turn_pages)
    for page in (guest, moderator):
        [config] = page.evaluate("() => window.__peerConfigs")
        [server] = config["iceServers"]
        assert server["urls"] == [coturn.url] and server["username"], config
        expect(
            page.locator('[data-testid="video-tile"][data-connection="connected"]')
        ).to_have_count(1, timeout=CONNECT_TIMEOUT_MS)
    guest_config = guest.evaluate("() => window.__peerConfigs[0]")
    assert ":guest-" in guest_config["iceServers"][0]["username"]
    shot(guest, "guest-connected")
    shot(moderator, "moderator-connected")
