"""Send later: the dialog refuses a time in the past or too far ahead, schedules in the
user's time zone, and the pending list cancels."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from messaging.models import ScheduledMessage
from tests.browser.harness import BrowserSession, assert_accessible, make_group, shot
from tests.factories.accounts import UserFactory

DIALOG = '[data-testid="schedule-dialog"]'


def test_schedule_validate_list_and_cancel(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", time_zone="Asia/Yekaterinburg")
    bob = UserFactory.create(login="bob")
    group = make_group(alice, bob, title="Планёрка")
    page = page_for(alice)
    page.goto(f"/c/{group.pk}")
    page.locator('[data-testid="composer-input"]').fill("Напоминаю про планёрку в 10:00")
    page.locator('[data-testid="composer-more"]').click()
    page.get_by_role("menuitem", name="Отправить позже").click()
    dialog = page.locator(DIALOG)
    expect(dialog).to_contain_text("Часовой пояс: Asia/Yekaterinburg")
    zone = ZoneInfo("Asia/Yekaterinburg")
    now = dt.datetime.now(zone)

    past = now - dt.timedelta(hours=2)
    dialog.locator('[data-testid="schedule-date"]').fill(past.strftime("%Y-%m-%d"))
    dialog.locator('[data-testid="schedule-time"]').fill(past.strftime("%H:%M"))
    dialog.locator('[data-testid="schedule-submit"]').click()
    expect(dialog.locator('[data-testid="schedule-error"]')).to_have_text(
        "Это время уже прошло: выберите время в будущем."
    )
    far = now + dt.timedelta(days=400)
    dialog.locator('[data-testid="schedule-date"]').fill(far.strftime("%Y-%m-%d"))
    dialog.locator('[data-testid="schedule-submit"]').click()
    expect(dialog.locator('[data-testid="schedule-error"]')).to_have_text(
        "Запланировать можно не больше чем на год вперёд."
    )
    shot(page, "refused")
    assert_accessible(page)

    when = (now + dt.timedelta(days=1)).replace(hour=9, minute=45, second=0, microsecond=0)
    dialog.locator('[data-testid="schedule-date"]').fill(when.strftime("%Y-%m-%d"))
    dialog.locator('[data-testid="schedule-time"]').fill("09:45")
    dialog.locator('[data-testid="schedule-submit"]').click()
    expect(dialog).to_have_count(0)
    expect(page.locator('[data-testid="composer-input"]')).to_have_value("")
    page.locator('[data-testid="composer-more"]').click()
    page.get_by_role("menuitem", name="Запланированные").click()
    item = page.locator('[data-testid="scheduled-item"]')
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Напоминаю про планёрку в 10:00")
    scheduled = ScheduledMessage.objects.get(conversation=group, author=alice)
    assert scheduled.send_at == when.astimezone(dt.UTC)  # 09:45 in Yekaterinburg
    assert scheduled.state == ScheduledMessage.State.PENDING
    shot(page, "scheduled")
    assert_accessible(page)

    item.locator('[data-testid="scheduled-cancel"]').click()
    expect(item).to_have_count(0)
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledMessage.State.CANCELLED
