"""The app shell as served by Django and as a person meets it: the page and its CSP at every
client route, the sign-in screen in Russian, a wrong and a right password."""

from __future__ import annotations

import re
import uuid

import pyotp
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.harness import (
    DIST_INDEX,
    BrowserSession,
    assert_accessible,
    make_direct,
    make_group,
    shot,
    sign_in_through_form,
)
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import LiveServer

SHELL = '[data-testid="app-shell"]'
SIGN_IN = 'form[name="sign-in"]'
# Chromium logs every 4xx response as a console error: the tests below ask for these.
LOGIN_401 = r"status of 401 .*\[http://127\.0\.0\.1:\d+/api/v1/auth/login\]"


def test_root_serves_the_client_with_the_csp(browser_server: LiveServer) -> None:
    response = browser_server.http().get(f"{browser_server.url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert response.content == DIST_INDEX.read_bytes()


def test_unknown_api_path_is_still_a_json_404(browser_server: LiveServer) -> None:
    response = browser_server.http().get(f"{browser_server.url}/api/v1/nope", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_client_route_serves_the_same_page(browser_server: LiveServer) -> None:
    http = browser_server.http()
    root = http.get(f"{browser_server.url}/", timeout=10)
    route = http.get(f"{browser_server.url}/c/{uuid.uuid4()}", timeout=10)
    assert route.status_code == 200
    assert route.content == root.content
    assert route.headers["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_sign_in_screen_is_russian_and_accessible(page_for: BrowserSession) -> None:
    page = page_for()
    page.goto("/")
    form = page.locator(SIGN_IN)
    expect(form).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в Портал")
    expect(page.get_by_label("Логин")).to_be_visible()
    expect(page.get_by_label("Пароль")).to_be_visible()
    expect(form.get_by_role("button", name="Войти")).to_be_visible()
    shot(page, "sign-in")
    assert_accessible(page)


def test_english_is_one_click_away_and_kept(page_for: BrowserSession) -> None:
    UserFactory.create(login="ivanova")
    page_for.allow_console_error(LOGIN_401)
    page = page_for()
    page.goto("/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Portal")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    sign_in_through_form(page, "ivanova", "wrong-password")
    expect(page.locator('[role="alert"]')).to_have_text("Wrong login or password.")
    shot(page, "sign-in-en")
    assert_accessible(page)


def test_wrong_password_shows_an_error_and_keeps_the_login(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="ivanova")
    page_for.allow_console_error(LOGIN_401)
    page = page_for()
    page.goto("/")
    sign_in_through_form(page, user.login, "wrong-password")
    expect(page.locator('[role="alert"]')).to_have_text("Неверный логин или пароль.")
    expect(page.locator('input[name="login"]')).to_have_value("ivanova")
    expect(page.locator(SHELL)).to_have_count(0)
    shot(page, "wrong-password")
    assert_accessible(page)


def test_right_password_reaches_the_shell(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="ivanova")
    page = page_for()
    page.goto("/")
    with page.expect_websocket() as socket:
        sign_in_through_form(page, user.login, DEFAULT_PASSWORD)
        expect(page.locator(SHELL)).to_be_visible()
    assert re.fullmatch(rf"ws://127\.0\.0\.1:{page_for.server.port}/ws/\S*", socket.value.url)
    expect(page.locator(SIGN_IN)).to_have_count(0)
    shot(page, "shell")
    assert_accessible(page)


def test_two_factor_sign_in_asks_for_the_code(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="ivanova")
    client, _ = sign_in(user)
    secret = client.post("/api/v1/auth/2fa/enrol").json()["secret"]
    confirmed = client.post(
        "/api/v1/auth/2fa/confirm", {"code": pyotp.TOTP(secret).now()}, format="json"
    )
    recovery_code = confirmed.json()["recovery_codes"][0]
    # The first step answers 401 otp_required.
    page_for.allow_console_error(LOGIN_401)
    page = page_for()
    page.goto("/")
    sign_in_through_form(page, user.login, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", level=2)).to_have_text("Код подтверждения")
    expect(page.locator('input[name="otp"]')).to_be_focused()
    shot(page, "otp-step")
    assert_accessible(page)
    page.get_by_role("button", name="Назад").click()
    expect(page.locator('input[name="login"]')).to_have_value("ivanova")
    sign_in_through_form(page, user.login, DEFAULT_PASSWORD, otp=recovery_code)
    expect(page.locator(SHELL)).to_be_visible()


def test_seeded_tokens_skip_the_form_and_open_a_chat(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    direct = make_direct(alice, bob)
    page = page_for(alice)
    page.goto(f"/c/{direct.pk}")
    expect(page.locator(SHELL)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Петров")
    expect(page.get_by_role("navigation", name="Чаты").get_by_role("link")).to_have_count(1)
    shot(page, "direct-chat")
    assert_accessible(page)


def test_a_message_reaches_the_other_member_live(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    group = make_group(alice, bob, title="Совещание в пятницу")
    make_direct(alice, bob)
    bobs = page_for(bob)
    bobs.goto("/")
    bobs.get_by_role("link", name="Совещание в пятницу").click()
    expect(bobs).to_have_url(re.compile(rf"/c/{group.pk}$"))
    expect(bobs.get_by_role("heading", level=1)).to_have_text("Совещание в пятницу")
    alices = page_for(alice)
    alices.goto(f"/c/{group.pk}")
    alices.get_by_label("Сообщение").fill("Переносим на десять утра")
    alices.get_by_role("button", name="Отправить").click()
    expect(bobs.locator(".timeline")).to_contain_text("Переносим на десять утра")
    shot(bobs, "received")
    assert_accessible(bobs)
