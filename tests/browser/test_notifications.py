"""The notifications screen in a real browser: what arrived while the reader was offline,
marking read, the unread count in the store, and a click landing in the conversation."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from messaging.models import Conversation, Message, Notification
from messaging.services import message_send
from tests.browser.actions import off_loop
from tests.browser.harness import (
    BrowserSession,
    assert_accessible,
    make_direct,
    make_group,
    shot,
)
from tests.factories.accounts import UserFactory

ROWS = '[data-testid="notification"]'


def test_offline_mentions_and_directs_are_listed_read_and_opened(
    page_for: BrowserSession,
) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    direct = make_direct(bob, alice)
    group = make_group(bob, alice, title="Штаб")
    # Alice has no socket open: both become notifications.
    message_send(actor=bob, conversation_id=direct.pk, client_id=str(uuid.uuid4()), body="Зайдите")
    mention, _ = message_send(
        actor=bob, conversation_id=group.pk, client_id=str(uuid.uuid4()),
        body="@Смирнова, посмотрите отчёт", mentions={"users": [str(alice.pk)]},
    )  # fmt: skip
    assert Notification.objects.filter(user=alice).count() == 2

    page = page_for(alice)
    page.goto("/notifications")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(2)
    expect(page.locator(".page-header")).to_contain_text("2 непрочитанных")
    expect(rows.first).to_contain_text("Упоминание")
    expect(rows.first).to_contain_text("Штаб")
    expect(rows.first).to_contain_text("посмотрите отчёт")
    expect(rows.nth(1)).to_contain_text("Личное сообщение")
    expect(rows.nth(1)).to_contain_text("Петров Борис")
    shot(page, "list")
    assert_accessible(page)

    rows.nth(1).get_by_role("button", name=re.compile("^Прочитано: ")).click()
    expect(rows.nth(1)).to_have_attribute("data-read", "true")
    expect(page.locator(".page-header")).to_contain_text("1 непрочитанное")

    with page.expect_response("**/api/v1/notifications/read"):
        rows.first.get_by_role("link").click()
    # The conversation drops ?m= from the address once it has jumped: either is the landing.
    expect(page).to_have_url(re.compile(rf"/c/{group.pk}(\?m={mention.pk})?$"))
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()

    page.goto("/notifications")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("notifications-read-all")).to_be_disabled()
    page.get_by_label("Только непрочитанные").check()
    expect(page.get_by_text("Непрочитанных уведомлений нет.")).to_be_visible()
    assert_accessible(page)


# Keeps the real Notification API (permission granted to the context) but records what the
# page shows, and lets the test hide the tab: headless Chromium has no windows to switch.
NOTIFICATION_PROBE = """(() => {
    const shown = [];
    window.__shown = shown;
    const Real = window.Notification;
    window.Notification = class extends Real {
        constructor(title, options) {
            super(title, options);
            shown.push({title, body: options?.body ?? "", tag: options?.tag ?? "", item: this});
        }
    };
    let hidden = false;
    Object.defineProperty(Document.prototype, "visibilityState", {
        configurable: true, get: () => (hidden ? "hidden" : "visible"),
    });
    window.__hide = (value) => {
        hidden = value;
        document.dispatchEvent(new Event("visibilitychange"));
    };
})();"""


def test_a_hidden_tab_shows_a_system_notification_that_opens_the_chat(
    page_for: BrowserSession,
) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис", middle_name="")
    direct = make_direct(bob, alice)
    group = make_group(bob, alice, title="Штаб")
    page = page_for(alice)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(NOTIFICATION_PROBE)
    page.goto("/notifications")
    expect(page.locator('[data-testid="browser-permission"]')).to_have_attribute(
        "data-permission", "granted"
    )
    expect(page.locator('[data-testid="connection"]')).to_have_count(0)  # online

    def say(conversation: Conversation, body: str, **extra: object) -> Message:
        sent: list[Message] = []
        off_loop(
            lambda: sent.append(
                message_send(
                    actor=bob, conversation_id=conversation.pk,
                    client_id=str(uuid.uuid4()), body=body, **extra,  # type: ignore[arg-type]
                )[0]
            )
        )  # fmt: skip
        return sent[0]

    # Visible tab: the message shows in the app, not as a system notification.
    say(direct, "Пока вкладка открыта")
    expect(page.locator(".sidebar")).to_contain_text("Петров Борис")
    assert page.evaluate("() => window.__shown.length") == 0

    page.evaluate("() => window.__hide(true)")
    say(group, "Обсудим без упоминаний")  # a group message that does not mention her
    wanted = say(direct, "Зайдите, пожалуйста")
    page.wait_for_function("() => window.__shown.length >= 1")
    shown = page.evaluate("() => window.__shown.map(({title, body, tag}) => ({title, body, tag}))")
    assert shown == [
        {
            "title": "Петров Борис",
            "body": "Зайдите, пожалуйста",
            "tag": f"portal-message-{wanted.pk}",
        }
    ]
    mention = say(group, "@Смирнова, отчёт", mentions={"users": [str(alice.pk)]})
    page.wait_for_function("() => window.__shown.length >= 2")
    assert page.evaluate("() => window.__shown[1].title") == "Петров Борис упоминает вас в «Штаб»"

    page.evaluate("() => window.__shown[1].item.dispatchEvent(new Event('click'))")
    # The conversation drops ?m= from the address once it has jumped: either is the landing.
    expect(page).to_have_url(re.compile(rf"/c/{group.pk}(\?m={mention.pk})?$"))
