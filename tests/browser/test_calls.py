"""One-to-one calls in the browser: two Chromiums with fake cameras and microphones place
and answer a video call that connects through the TURN server Portal hands out (Debian's
coturn on 127.0.0.1, relay-only ICE: nothing but loopback is ever contacted) and hang up;
every tab and device of the callee rings and stops when one answers; a cancelled, a
declined and an unanswered call (ended by the server's sweep on an injected clock) end up
in the history and the chat as the callee missed or declined them.

The pages record the RTCPeerConnections the app makes (an init script wraps the
constructor) so that the test reads their state and statistics itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Playwright, expect

from conferencing.models import Call
from conferencing.services import calls_expire
from tests.browser.actions import off_loop
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.harness import DIST_INDEX, BrowserSession, assert_accessible, make_direct, shot
from tests.conferencing.coturn import Coturn, coturn
from tests.factories.accounts import UserFactory
from tests.helpers.live import LiveServer, start_daphne, stop_daphne

__all__ = ["coturn"]

# Fake media (a test pattern and a beep), no permission prompts, candidates on 127.0.0.1
# allowed, autoplay without a gesture (the ringtone), no mDNS names for host candidates.
MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
# Every RTCPeerConnection the app makes, with the configuration it was given.
RECORD_PEERS = """(() => {
    const Native = window.RTCPeerConnection;
    if (!Native || window.__peers) return;
    window.__peers = [];
    window.RTCPeerConnection = class extends Native {
        constructor(config, ...rest) {
            super(config, ...rest);
            window.__peers.push({pc: this, config: JSON.parse(JSON.stringify(config ?? {}))});
        }
    };
})();"""
# The last peer connection's state, configuration and ICE statistics.
PEER_STATS = """async () => {
    const {pc, config} = window.__peers[window.__peers.length - 1];
    const stats = await pc.getStats();
    let transport = null;
    const candidates = [];
    stats.forEach((r) => {
        if (r.type === "transport") transport = r;
        if (r.type === "local-candidate" || r.type === "remote-candidate") {
            candidates.push({type: r.type, candidateType: r.candidateType, address: r.address});
        }
    });
    const pair = transport && stats.get(transport.selectedCandidatePairId);
    const pick = (id) => {
        const c = id && stats.get(id);
        return c ? {candidateType: c.candidateType, address: c.address} : null;
    };
    return {
        state: pc.connectionState, config, candidates,
        local: pair ? pick(pair.localCandidateId) : null,
        remote: pair ? pick(pair.remoteCandidateId) : null,
        bytesReceived: transport ? transport.bytesReceived : 0,
    };
}"""
# The label of the video track the last peer connection sends.
SENT_VIDEO_LABEL = (
    "() => window.__peers.at(-1).pc.getSenders()"
    ".find((s) => s.track?.kind === 'video')?.track.label"
)
CALL_SCREEN = '[data-testid="call-screen"]'
INCOMING = '[data-testid="incoming-call"]'


@pytest.fixture(scope="module")
def call_server(
    live_env: dict[str, str], coturn: Coturn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A daphne that hands out coturn's credentials and relay-only ICE."""
    if not DIST_INDEX.exists():
        pytest.fail(f"{DIST_INDEX} is missing: run make frontend-build", pytrace=False)
    env = {
        **live_env,
        "TURN_SECRET": coturn.secret,
        "TURN_URLS": coturn.url,
        "CALL_ICE_TRANSPORT_POLICY": "relay",
    }
    server = start_daphne(env, tmp_path_factory.mktemp("daphne") / "calls.log")
    yield server
    stop_daphne(server)


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """The package's Chromium, with fake media devices."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *MEDIA_ARGS]
    )
    yield browser
    browser.close()


@pytest.fixture
def page_for(browser: Browser, call_server: LiveServer, transactional_db: Any) -> Iterator[Any]:
    """As the package's ``page_for``, on the TURN-enabled server, each page recording its
    peer connections."""
    session = BrowserSession(browser=browser, server=call_server)

    def open_page(user: Any) -> Page:
        page = session(user)
        page.context.add_init_script(RECORD_PEERS)
        return page

    open_page.session = session  # type: ignore[attr-defined]
    yield open_page
    session.close()
    problems = session.take_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _people() -> tuple[Any, Any]:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(
        login="bob", last_name="Петров", first_name="Борис", agency=alice.agency
    )
    return alice, bob


def _connected(page: Page) -> dict[str, Any]:
    page.wait_for_function(
        "() => window.__peers?.length > 0"
        " && window.__peers[window.__peers.length - 1].pc.connectionState === 'connected'",
        timeout=20_000,
    )
    stats: dict[str, Any] = page.evaluate(PEER_STATS)
    return stats


def _assert_relayed(stats: dict[str, Any], coturn: Coturn) -> None:
    """Only the relay on 127.0.0.1: the policy, the servers, the chosen pair and every
    candidate the peer gathered or was told of."""
    assert stats["state"] == "connected"
    assert stats["config"]["iceTransportPolicy"] == "relay"
    urls = [url for server in stats["config"]["iceServers"] for url in server["urls"]]
    assert urls == [coturn.url]
    assert stats["local"] == {"candidateType": "relay", "address": "127.0.0.1"}, stats
    assert stats["remote"]["address"] == "127.0.0.1", stats
    assert stats["candidates"], stats
    for candidate in stats["candidates"]:
        assert candidate["address"] == "127.0.0.1", stats
        if candidate["type"] == "local-candidate":
            assert candidate["candidateType"] == "relay", stats
    assert stats["bytesReceived"] > 0


def _remote_video_plays(page: Page) -> None:
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=remote-video]');"
        " return v && v.videoWidth > 0 && v.currentTime > 0; }",
        timeout=15_000,
    )


def test_a_video_call_connects_through_the_turn_relay_and_hangs_up(
    page_for: Any, coturn: Coturn
) -> None:
    alice, bob = _people()
    direct = make_direct(alice, bob)
    bobs = page_for(bob)
    bobs.goto("/")
    expect(bobs.locator('[data-testid="nav-calls"]')).to_be_visible()
    alices = page_for(alice)
    alices.goto(f"/c/{direct.pk}")
    alices.locator('[data-testid="call-video"]').click()
    screen = alices.locator(CALL_SCREEN)
    expect(screen).to_have_attribute("data-phase", "outgoing")
    expect(screen.locator('[data-testid="call-status"]')).to_have_text("Вызов…")
    shot(alices, "outgoing")

    incoming = bobs.locator(INCOMING)
    expect(incoming).to_have_attribute("data-kind", "video")
    expect(incoming.locator('[data-testid="incoming-call-name"]')).to_have_text(alice.full_name)
    expect(incoming.locator("h2")).to_have_text("Входящий видеозвонок")
    assert_accessible(bobs, context=INCOMING)
    shot(bobs, "incoming")
    incoming.locator('[data-testid="incoming-accept"]').click()
    expect(incoming).to_have_count(0)

    for page in (alices, bobs):
        _assert_relayed(_connected(page), coturn)
        expect(page.locator(CALL_SCREEN)).to_have_attribute("data-phase", "active")
        expect(page.locator(CALL_SCREEN)).to_have_attribute("data-relayed", "true")
        _remote_video_plays(page)
    expect(alices.locator('[data-testid="call-status"]')).to_contain_text("Соединено через сервер")
    call = Call.objects.get()
    assert call.state == Call.State.ACCEPTED

    # A network change: the caller restarts ICE with a new offer through Portal; the
    # connection comes back up on new ICE credentials, through the relay again.
    ufrag = "() => /a=ice-ufrag:(\\S+)/.exec(window.__peers.at(-1).pc.localDescription.sdp)[1]"
    before = [alices.evaluate(ufrag), bobs.evaluate(ufrag)]
    alices.evaluate("() => window.dispatchEvent(new Event('online'))")
    for page, old in zip((alices, bobs), before, strict=True):
        page.wait_for_function(f"(old) => ({ufrag})() !== old", arg=old, timeout=15_000)
        _assert_relayed(_connected(page), coturn)

    # The screen instead of the camera (the same sender: no renegotiation), and back.
    camera = SENT_VIDEO_LABEL
    camera_label = bobs.evaluate(camera)
    bobs.locator('[data-testid="call-screen-share"]').click()
    expect(bobs.locator('[data-testid="call-screen-share"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    bobs.wait_for_function(f"(label) => ({camera})() !== label", arg=camera_label)
    bobs.locator('[data-testid="call-screen-share"]').click()
    expect(bobs.locator('[data-testid="call-screen-share"]')).to_have_attribute(
        "aria-pressed", "false"
    )
    bobs.wait_for_function(f"(label) => ({camera})() === label", arg=camera_label)

    # Mute and camera off change what is sent (the tracks), not the connection.
    bobs.locator('[data-testid="call-mute"]').click()
    expect(bobs.locator('[data-testid="call-mute"]')).to_have_attribute("aria-pressed", "true")
    bobs.locator('[data-testid="call-camera"]').click()
    expect(bobs.locator('[data-testid="call-camera"]')).to_have_attribute("aria-pressed", "true")
    enabled = bobs.evaluate(
        "() => window.__peers[window.__peers.length - 1].pc.getSenders()"
        ".filter((s) => s.track).map((s) => [s.track.kind, s.track.enabled]).sort()"
    )
    assert enabled == [["audio", False], ["video", False]]
    bobs.locator('[data-testid="call-devices"]').click()
    expect(bobs.locator('[data-testid="device-camera"] option')).not_to_have_count(0)
    assert_accessible(bobs, context=CALL_SCREEN)
    shot(bobs, "in-call")

    alices.locator('[data-testid="call-hangup"]').click()
    for page in (alices, bobs):
        expect(page.locator(CALL_SCREEN)).to_have_attribute("data-phase", "ended")
        expect(page.locator(CALL_SCREEN)).to_have_attribute("data-end-state", "ended")
        expect(page.locator('[data-testid="call-status"]')).to_contain_text("Звонок завершён")
        page.wait_for_function(
            "() => window.__peers[window.__peers.length - 1].pc.connectionState === 'closed'"
        )
    shot(alices, "ended")
    call.refresh_from_db()
    assert call.state == Call.State.ENDED and call.ended_by_id == alice.pk

    bobs.locator('[data-testid="call-close"]').click()
    expect(bobs.locator(CALL_SCREEN)).to_have_count(0)
    bobs.locator('[data-testid="nav-calls"]').click()
    item = bobs.locator('[data-testid="call-history-item"]')
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-direction", "incoming")
    expect(item).to_have_attribute("data-missed", "false")
    expect(item).to_contain_text(alice.full_name)
    expect(item).to_contain_text("Входящий")
    expect(item.locator('[data-testid="call-history-outcome"]')).to_have_text(
        f"0:{call.duration_seconds():02d}"
    )
    assert_accessible(bobs)
    shot(bobs, "history")
    alices.goto("/calls")
    expect(alices.locator('[data-testid="call-history-item"]')).to_have_attribute(
        "data-direction", "outgoing"
    )
    alices.goto(f"/c/{direct.pk}")
    expect(alices.locator('[data-testid="call-notice-text"]')).to_have_text(
        f"Видеозвонок, 0:{call.duration_seconds():02d}"
    )


def test_every_tab_and_device_rings_and_one_answer_stops_the_others(page_for: Any) -> None:
    alice, bob = _people()
    direct = make_direct(alice, bob)
    laptop = page_for(bob)
    laptop.goto("/")
    second_tab = laptop.context.new_page()  # the same device (sign-in) in another tab
    second_tab.goto("/calls")
    phone = page_for(bob)  # another device
    frames: list[dict[str, Any]] = []
    phone.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))),
    )
    phone.goto("/")
    alices = page_for(alice)
    alices.goto(f"/c/{direct.pk}")
    alices.locator('[data-testid="call-audio"]').click()

    bob_pages = (laptop, second_tab, phone)
    for page in bob_pages:
        expect(page.locator(INCOMING)).to_have_attribute("data-kind", "audio")
        expect(page.locator(INCOMING).locator("h2")).to_have_text("Входящий звонок")
    laptop.locator('[data-testid="incoming-accept"]').click()
    for page in bob_pages:
        expect(page.locator(INCOMING)).to_have_count(0)
    expect(laptop.locator(CALL_SCREEN)).to_have_attribute("data-phase", "active")
    expect(alices.locator(CALL_SCREEN)).to_have_attribute("data-phase", "active")
    shot(alices, "in-audio-call")
    # Only the answering tab carries the call.
    for page in (second_tab, phone):
        expect(page.locator(CALL_SCREEN)).to_have_count(0)
        assert page.evaluate("() => window.__peers.length") == 0
    call = Call.objects.select_related("accepted_session").get()
    assert call.accepted_session is not None
    elsewhere = [
        f["event"] for f in frames
        if f.get("type") == "event" and f["event"].get("op") == "answered_elsewhere"
    ]  # fmt: skip
    assert elsewhere == [
        {"type": "call", "op": "answered_elsewhere", "call_id": str(call.pk),
         "device_id": str(call.accepted_session.device_id)},
    ]  # fmt: skip
    laptop.locator('[data-testid="call-hangup"]').click()
    expect(alices.locator(CALL_SCREEN)).to_have_attribute("data-end-state", "ended")


def test_cancelled_declined_and_unanswered_calls_in_the_history_and_the_chat(page_for: Any) -> None:
    alice, bob = _people()
    direct = make_direct(alice, bob)
    bobs = page_for(bob)
    bobs.goto("/calls")
    expect(bobs.locator('[data-testid="call-history"]')).to_contain_text("Звонков пока не было.")
    alices = page_for(alice)
    alices.goto(f"/c/{direct.pk}")

    alices.locator('[data-testid="call-audio"]').click()
    expect(bobs.locator(INCOMING)).to_be_visible()
    alices.locator('[data-testid="call-hangup"]').click()  # gives up before an answer
    expect(bobs.locator(INCOMING)).to_have_count(0)
    expect(alices.locator('[data-testid="call-status"]')).to_have_text("Звонок отменён")
    missed = bobs.locator('[data-testid="call-history-item"]')
    expect(missed).to_have_count(1)
    expect(missed).to_have_attribute("data-missed", "true")
    expect(missed).to_contain_text("Пропущенный")
    shot(bobs, "history-missed")
    alices.locator('[data-testid="call-close"]').click()

    alices.locator('[data-testid="call-video"]').click()
    bobs.locator(INCOMING).locator('[data-testid="incoming-decline"]').click()
    expect(alices.locator('[data-testid="call-status"]')).to_have_text("Звонок отклонён")
    expect(bobs.locator('[data-testid="call-history-item"]')).to_have_count(2)
    expect(bobs.locator('[data-testid="call-history-item"]').first).to_have_attribute(
        "data-state", "declined"
    )
    alices.locator('[data-testid="call-close"]').click()

    # Nobody answers: the server's sweep (what celery beat runs) ends it once the ring
    # timeout is over, on the injected clock.
    alices.locator('[data-testid="call-audio"]').click()
    expect(bobs.locator(INCOMING)).to_be_visible()
    ringing = Call.objects.get(state=Call.State.RINGING)
    due = ringing.created_at + dt.timedelta(seconds=settings.CALL_RING_TIMEOUT)
    assert off_loop(lambda: calls_expire(now=due)) == 1
    expect(bobs.locator(INCOMING)).to_have_count(0)
    expect(alices.locator('[data-testid="call-status"]')).to_have_text("Нет ответа")
    expect(bobs.locator('[data-testid="call-history-item"]')).to_have_count(3)
    latest = bobs.locator('[data-testid="call-history-item"]').first
    expect(latest).to_have_attribute("data-state", "missed")
    expect(latest).to_have_attribute("data-missed", "true")
    assert sorted(Call.objects.values_list("state", flat=True)) == [
        "cancelled", "declined", "missed",
    ]  # fmt: skip

    bobs.goto(f"/c/{direct.pk}")
    notices = bobs.locator('[data-testid="call-notice-text"]')
    expect(notices).to_have_text(
        ["Пропущенный звонок", "Вы отклонили звонок", "Пропущенный звонок"]
    )
    expect(bobs.locator('[data-testid="call-notice-back"]')).to_have_count(2)
    expect(alices.locator('[data-testid="call-notice-text"]')).to_have_text(
        ["Отменённый звонок", "Звонок отклонён", "Звонок без ответа"]
    )
    shot(bobs, "chat-missed")
