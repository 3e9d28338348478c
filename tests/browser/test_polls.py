"""Polls: created in the dialog, voted on by another member with the author's bars moving
live, withdrawn, closed."""

from __future__ import annotations

from playwright.sync_api import expect

from messaging.models import Message
from messaging.services import poll_vote
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, make_group, shot
from tests.factories.accounts import UserFactory

POLL = '[data-testid="poll"]'


def test_a_vote_by_another_member_moves_the_bars_live(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    group = make_group(alice, bob, title="Совещание")
    alices = page_for(alice)
    alices.goto(f"/c/{group.pk}")
    alices.locator('[data-testid="composer-more"]').click()
    alices.get_by_role("menuitem", name="Опрос").click()
    dialog = alices.locator('[data-testid="poll-create"]')
    dialog.locator('[data-testid="poll-submit"]').click()
    expect(dialog.locator('[data-testid="poll-error"]')).to_have_text("Напишите вопрос.")
    dialog.locator('[data-testid="poll-question"]').fill("Когда переносим совещание?")
    options = dialog.locator('[data-testid="poll-option-input"]')
    options.nth(0).fill("На вторник")
    options.nth(1).fill("На среду")
    dialog.locator('[data-testid="poll-add-option"]').click()
    options.nth(2).fill("На среду")
    dialog.locator('[data-testid="poll-submit"]').click()
    expect(dialog.locator('[data-testid="poll-error"]')).to_have_text(
        "Варианты не должны повторяться."
    )
    options.nth(2).fill("Не переносим")
    shot(alices, "create-dialog")
    assert_accessible(alices)
    dialog.locator('[data-testid="poll-submit"]').click()
    expect(dialog).to_have_count(0)

    poll = alices.locator(POLL)
    expect(poll).to_contain_text("Когда переносим совещание?")
    fills = poll.locator('[data-testid="poll-fill"]')
    expect(fills).to_have_count(3)
    message = Message.objects.get(conversation=group, poll__isnull=False)

    off_loop(lambda: poll_vote(actor=bob, message_id=message.pk, options=[1]))
    expect(fills.nth(1)).to_have_attribute("data-percent", "100")
    expect(poll.locator('[data-testid="poll-voters"]')).to_have_text("Проголосовал 1 человек")

    alices.locator('[data-testid="poll-vote-option"]').nth(0).click()
    expect(fills.nth(0)).to_have_attribute("data-percent", "50")
    expect(fills.nth(1)).to_have_attribute("data-percent", "50")
    expect(poll.locator(".poll-option.mine")).to_contain_text("На вторник")
    shot(alices, "voted")
    assert_accessible(alices)
    alices.set_viewport_size({"width": 768, "height": 800})
    shot(alices, "voted-narrow")
    alices.set_viewport_size({"width": 1280, "height": 800})

    bobs = page_for(bob)
    bobs.goto(f"/c/{group.pk}")
    bob_poll = bobs.locator(POLL)
    expect(bob_poll.locator(".poll-option.mine")).to_contain_text("На среду")
    bob_poll.locator('[data-testid="poll-withdraw"]').click()
    expect(fills.nth(0)).to_have_attribute("data-percent", "100")  # on Alice's page, live
    expect(bob_poll.locator('[data-testid="poll-close"]')).to_have_count(0)  # not the author

    alices.once("dialog", lambda d: d.accept())
    poll.locator('[data-testid="poll-close"]').click()
    expect(poll).to_contain_text("Опрос завершён")
    expect(bob_poll).to_contain_text("Опрос завершён")
    expect(bob_poll.locator('[data-testid="poll-vote-option"]')).to_have_count(0)
    shot(bobs, "closed")
