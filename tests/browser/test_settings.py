"""The settings screen in a real browser: two-factor enrolment and a TOTP sign-in, the
session list, a session revoked by an administrator, the language switch, the avatar."""

from __future__ import annotations

import io
import re
import time

import pyotp
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect

from portal.accounts.models import AuthSession
from portal.accounts.services import auth_session_revoke
from portal.audit.services import RequestContext
from tests.browser.actions import off_loop
from tests.browser.harness import (
    BrowserSession,
    api_sign_in,
    assert_accessible,
    shot,
    sign_in_through_form,
)
from tests.factories.accounts import DEFAULT_PASSWORD, AgencyFactory, UserFactory
from tests.helpers.api import sign_in

SHELL = '[data-testid="app-shell"]'
SIGN_IN = 'form[name="sign-in"]'
# Chromium logs each 4xx answer as a console error; these tests ask for them.
LOGIN_401 = r"status of 401 .*\[http://127\.0\.0\.1:\d+/api/v1/auth/login\]"


def open_section(page: Page, section: str) -> None:
    page.goto(f"/settings/{section}")
    expect(page.locator(f'[data-testid="settings"][data-section="{section}"]')).to_be_visible()


def test_two_factor_enrolment_then_a_totp_sign_in(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="ivanova", last_name="Иванова", first_name="Анна")
    page = page_for(user)
    open_section(page, "security")
    status = page.locator('[data-testid="two-factor"]')
    expect(status).to_have_attribute("data-enabled", "false")
    assert_accessible(page)
    status.get_by_role("button", name="Включить").click()

    secret = page.locator('[data-testid="totp-secret"]').inner_text().strip()
    expect(page.locator('.enrol-qr img[src^="data:image/svg+xml"]')).to_be_visible()
    shot(page, "enrolment")
    assert_accessible(page)
    # The previous 30-second step is still accepted; the current one is left for the
    # sign-in below (each step's code is accepted once).
    page.locator('form[name="enrol"] input[name="code"]').fill(
        pyotp.TOTP(secret).at(time.time() - 30)
    )
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator('[data-testid="recovery-codes"] li')).to_have_count(10)
    shot(page, "recovery-codes")
    page.get_by_role("button", name="Я сохранил коды").click()
    expect(status).to_have_attribute("data-enabled", "true")
    expect(status).to_contain_text("Осталось 10 резервных кодов.")
    shot(page, "enabled")
    assert_accessible(page)

    open_section(page, "sessions")
    page.get_by_role("button", name="Выйти на этом устройстве").click()
    expect(page.locator(SIGN_IN)).to_be_visible()
    page_for.allow_console_error(LOGIN_401)  # the first step answers otp_required
    sign_in_through_form(page, "ivanova", DEFAULT_PASSWORD, otp=pyotp.TOTP(secret).now())
    expect(page.locator(SHELL)).to_be_visible()


def test_sessions_list_marks_this_one_and_ends_another(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="petrov")
    page = page_for(user)
    other = api_sign_in(page_for.server, user)  # a second device
    open_section(page, "sessions")
    rows = page.locator('[data-testid="session"]')
    expect(rows).to_have_count(2)
    expect(page.locator('[data-testid="sessions-count"]')).to_have_text("2 активных сеанса")
    current = page.locator('[data-testid="session"][data-current="true"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Это устройство")
    expect(current).to_contain_text("Браузер")
    expect(current).to_contain_text("Последняя активность:")
    shot(page, "sessions")
    assert_accessible(page)

    page.locator('[data-testid="session"][data-current="false"]').get_by_role("button").click()
    expect(rows).to_have_count(1)
    expect(page.locator('[data-testid="sessions-count"]')).to_have_text("1 активный сеанс")
    ended = AuthSession.objects.get(pk=other["session_id"])
    assert ended.revoked_at is not None
    # This session goes on.
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_a_session_revoked_by_an_administrator_signs_the_browser_out(
    page_for: BrowserSession,
) -> None:
    user = UserFactory.create(login="smirnova")
    admin = UserFactory.create(login="admin", is_staff=True)
    page = page_for(user)
    # A request the shell makes while the session is being revoked (the first counts of
    # notifications and approvals race with it) is answered 401: that is the revocation.
    page_for.allow_console_error(r"status of 401 .*\[http://127\.0\.0\.1:\d+/api/v1/")
    page.goto("/")
    expect(page.locator(SHELL)).to_be_visible()
    expect(page.locator('[data-testid="connection"]')).to_have_count(0)  # online
    session = AuthSession.objects.get(user=user, revoked_at__isnull=True)
    off_loop(
        lambda: auth_session_revoke(
            actor=admin, session=session, reason="admin", context=RequestContext.system()
        )
    )
    expect(page.locator(SIGN_IN)).to_be_visible(timeout=5_000)
    expect(page.locator('.auth-card [role="status"]')).to_be_visible()
    shot(page, "revoked")
    assert page.evaluate("() => localStorage.getItem('portal.tokens')") is None


def test_language_switch_changes_the_texts_and_back(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="kozlov")
    page = page_for(user)
    api_sign_in(page_for.server, user)
    api_sign_in(page_for.server, user)
    open_section(page, "sessions")
    count = page.locator('[data-testid="sessions-count"]')
    expect(count).to_have_text("3 активных сеанса")

    page.get_by_role("link", name="Язык и часовой пояс").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(page.get_by_role("heading", level=2)).to_have_text("Language and time zone")
    shot(page, "english")
    assert_accessible(page)
    page.get_by_role("link", name="Sessions and devices").click()
    expect(count).to_have_text("3 active sessions")
    user.refresh_from_db()
    assert user.language == "en"

    page.get_by_role("link", name="Language and time zone").click()
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Настройки")
    page.get_by_role("link", name="Сеансы и устройства").click()
    expect(count).to_have_text("3 активных сеанса")
    expect(page.locator(".settings-nav")).to_contain_text("Безопасность")
    user.refresh_from_db()
    assert user.language == "ru"


def test_time_zone_is_saved_to_the_profile(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="orlova")
    page = page_for(user)
    open_section(page, "language")
    page.get_by_role("combobox", name="Часовой пояс").select_option("Asia/Vladivostok")
    expect(page.get_by_role("combobox", name="Часовой пояс")).to_be_enabled()
    expect(page.get_by_role("combobox", name="Часовой пояс")).to_have_value("Asia/Vladivostok")
    user.refresh_from_db()
    assert user.time_zone == "Asia/Vladivostok"
    assert_accessible(page)


def png(size: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size // 2), (31, 95, 191)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_avatar_refuses_a_wrong_file_then_uploads_and_removes(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="volkova", last_name="Волкова", first_name="Ольга")
    page = page_for(user)
    open_section(page, "profile")
    expect(page.locator('[data-testid="profile-name"]')).to_contain_text("Волкова Ольга")
    assert_accessible(page)
    picker = page.locator('[data-testid="avatar-file"]')
    picker.set_input_files(
        files=FilePayload(name="notes.txt", mimeType="text/plain", buffer=b"not an image")
    )
    expect(page.locator('[data-testid="avatar-error"]')).to_have_text(
        "Этот файл не подходит: нужна картинка JPEG, PNG, WebP или GIF."
    )

    picker.set_input_files(files=FilePayload(name="me.png", mimeType="image/png", buffer=png()))
    editor = page.locator('[data-testid="avatar-editor"]')
    expect(editor).to_have_attribute("data-has-avatar", "true")
    # The picture is fetched with the bearer token and shown from a blob.
    expect(editor.locator("img")).to_have_attribute("src", re.compile(r"^blob:"))
    expect(page.locator('[data-testid="avatar-error"]')).to_have_count(0)
    shot(page, "avatar")
    user.refresh_from_db()
    assert user.avatar_key

    page.get_by_role("button", name="Удалить фотографию").click()
    expect(editor).to_have_attribute("data-has-avatar", "false")
    expect(editor.locator("img")).to_have_count(0)
    user.refresh_from_db()
    assert not user.avatar_key


def test_phone_is_saved_and_a_wrong_password_is_explained(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="belov")
    page = page_for(user)
    open_section(page, "profile")
    page.get_by_label("Телефон").fill("+7 495 123-45-67")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status")).to_have_text("Сохранено.")
    user.refresh_from_db()
    assert user.phone == "+7 495 123-45-67"

    page_for.allow_console_error(r"status of 401 .*/api/v1/me/password\]")
    open_section(page, "password")
    expect(page.locator(".notice")).to_contain_text("все остальные сеансы завершатся")
    page.get_by_label("Текущий пароль").fill("wrong-password")
    page.get_by_label("Новый пароль", exact=True).fill("Another-Horse-Battery-43")
    page.get_by_label("Новый пароль ещё раз").fill("Another-Horse-Battery-43")
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.get_by_role("alert")).to_have_text("Текущий пароль введён неверно.")
    shot(page, "password-wrong")
    assert_accessible(page)
    expect(page.locator(SHELL)).to_be_visible()  # still signed in

    page.get_by_label("Текущий пароль").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.get_by_role("status")).to_have_text("Пароль изменён. Остальные сеансы завершены.")
    user.refresh_from_db()
    assert user.check_password("Another-Horse-Battery-43")


def test_notification_settings_keep_the_digest_choice(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="zaitsev")
    page = page_for(user)
    open_section(page, "notifications")
    digest = page.get_by_label("Присылать сводку на почту")
    expect(digest).to_be_enabled()
    expect(digest).not_to_be_checked()
    digest.check()
    expect(page.get_by_role("status").first).to_have_text("Сохранено.")
    page.reload()
    expect(page.get_by_label("Присылать сводку на почту")).to_be_checked()
    permission = page.locator('[data-testid="browser-permission"]')
    expect(permission).to_be_visible()
    shot(page, "notifications")
    assert_accessible(page)


def test_new_recovery_codes_and_a_refused_disable(page_for: BrowserSession) -> None:
    agency = AgencyFactory.create(require_2fa=True)
    user = UserFactory.create(login="sokolova", agency=agency)
    page = page_for(user)  # signed in before enrolling: the session stays valid after
    client, _ = sign_in(user)
    secret = client.post("/api/v1/auth/2fa/enrol").json()["secret"]
    totp = pyotp.TOTP(secret)
    # Three consecutive 30-second steps: each code is accepted once, the next step ahead too.
    confirmed = client.post(
        "/api/v1/auth/2fa/confirm", {"code": totp.at(time.time() - 30)}, format="json"
    )
    assert confirmed.status_code == 200
    open_section(page, "security")
    status = page.locator('[data-testid="two-factor"]')
    expect(status).to_have_attribute("data-enabled", "true")
    expect(status).to_contain_text("Ваше ведомство требует двухфакторный вход.")

    recovery = page.locator('form[name="recovery"]')
    recovery.get_by_label("Код").fill(totp.now())
    recovery.get_by_role("button", name="Новые резервные коды").click()
    expect(page.locator('[data-testid="recovery-codes"] li')).to_have_count(10)
    page.get_by_role("button", name="Я сохранил коды").click()

    page_for.allow_console_error(r"status of 403 .*/api/v1/auth/2fa/disable\]")
    disable = page.locator('form[name="disable"]')
    disable.get_by_label("Код").fill(totp.at(time.time() + 30))
    disable.get_by_role("button", name="Отключить двухфакторный вход").click()
    expect(disable.get_by_role("alert")).to_have_text(
        "Ваше ведомство требует двухфакторной аутентификации; отключить её нельзя."
    )
    shot(page, "disable-refused")
    assert_accessible(page)
    expect(status).to_have_attribute("data-enabled", "true")


def test_settings_at_768_pixels(page_for: BrowserSession) -> None:
    user = UserFactory.create(login="tablet")
    page = page_for(user)
    page.set_viewport_size({"width": 768, "height": 1000})
    loaded = {
        "profile": '[data-testid="profile-name"]',
        "security": '[data-testid="two-factor"][data-enabled="false"]',
        "sessions": '[data-testid="sessions-count"]',
    }
    for section, ready in loaded.items():
        open_section(page, section)
        expect(page.locator(ready)).to_be_visible()
        shot(page, f"{section}-768")
        assert_accessible(page)
