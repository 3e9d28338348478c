"""The thread panel: the root and its replies, a reply by another member arriving live,
replying from the panel, follow and unfollow."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from messaging.models import ThreadFollow
from messaging.services import message_send
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, make_group, shot
from tests.factories.accounts import UserFactory

PANEL = '[data-testid="thread-panel"]'


def test_a_reply_by_another_member_appears_live_in_the_open_panel(
    page_for: BrowserSession,
) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    group = make_group(alice, bob, title="Бюджет")
    root, _ = message_send(
        actor=alice, conversation_id=group.pk, client_id=str(uuid.uuid4()),
        body="Смета на 2027 год готова?",
    )  # fmt: skip
    alices = page_for(alice)
    alices.goto(f"/c/{group.pk}/thread/{root.pk}")
    panel = alices.locator(PANEL)
    expect(panel.locator('[data-testid="thread-root"]')).to_contain_text(
        "Смета на 2027 год готова?"
    )
    expect(panel.locator('[data-testid="thread-reply-count"]')).to_have_text("Ответов пока нет")
    follow = panel.locator('[data-testid="thread-follow"]')
    expect(follow).to_have_text("Следить")

    off_loop(lambda: message_send(
        actor=bob, conversation_id=group.pk, client_id=str(uuid.uuid4()),
        body="Почти: жду цифры от бухгалтерии", thread_root_id=root.pk,
    ))  # fmt: skip
    replies = panel.locator('[data-testid="thread-reply"]')
    expect(replies).to_have_count(1)
    expect(replies.first).to_contain_text("Почти: жду цифры от бухгалтерии")
    expect(replies.first).to_contain_text("Петров Борис")
    expect(panel.locator('[data-testid="thread-reply-count"]')).to_have_text("1 ответ")
    # A reply makes the root's author a follower.
    expect(follow).to_have_text("Не следить")
    shot(alices, "reply-arrived")
    assert_accessible(alices)

    panel.locator('[data-testid="thread-input"]').fill("Спасибо, жду")
    panel.locator('[data-testid="thread-send"]').click()
    expect(replies).to_have_count(2)
    expect(replies.nth(1)).to_contain_text("Спасибо, жду")
    expect(panel.locator('[data-testid="thread-reply-count"]')).to_have_text("2 ответа")
    # Thread replies stay out of the main timeline.
    expect(alices.locator(".timeline")).not_to_contain_text("Спасибо, жду")

    alices.set_viewport_size({"width": 768, "height": 800})
    expect(panel).to_be_in_viewport()
    shot(alices, "narrow")
    assert_accessible(alices)
    alices.set_viewport_size({"width": 1280, "height": 800})

    follow.click()
    expect(follow).to_have_text("Следить")
    assert not ThreadFollow.objects.filter(root=root, user=alice).exists()
    follow.click()
    expect(follow).to_have_text("Не следить")
    assert ThreadFollow.objects.filter(root=root, user=alice).exists()

    panel.locator('[data-testid="thread-close"]').click()
    expect(alices.locator(PANEL)).to_have_count(0)
    expect(alices).to_have_url(f"{page_for.server.url}/c/{group.pk}")


def test_the_panel_pages_through_long_threads(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice")
    bob = UserFactory.create(login="bob")
    group = make_group(alice, bob, title="Длинное обсуждение")
    root, _ = message_send(
        actor=alice, conversation_id=group.pk, client_id=str(uuid.uuid4()), body="Начало"
    )
    for n in range(55):
        message_send(
            actor=bob, conversation_id=group.pk, client_id=str(uuid.uuid4()),
            body=f"Ответ {n + 1}", thread_root_id=root.pk,
        )  # fmt: skip
    page = page_for(alice)
    page.goto(f"/c/{group.pk}/thread/{root.pk}")
    panel = page.locator(PANEL)
    replies = panel.locator('[data-testid="thread-reply"]')
    expect(replies).to_have_count(50)
    expect(panel.locator('[data-testid="thread-reply-count"]')).to_have_text("55 ответов")
    panel.locator('[data-testid="thread-more"]').click()
    expect(replies).to_have_count(55)
    expect(replies.last).to_contain_text("Ответ 55")
    expect(panel.locator('[data-testid="thread-more"]')).to_have_count(0)
