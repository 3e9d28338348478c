"""The conversation screen in Chromium: two people in real time (typing, a message, a
reaction, a reply, an edit, read receipts), hostile bodies rendered inert, the composer's
limit, a jump to a message, a 10,000-message history that keeps the DOM small, and a
refused send that keeps the draft."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid

from guardian.shortcuts import remove_perm
from playwright.sync_api import Dialog, Locator, Page, expect

from messaging.management.commands.seed_messages import Command as SeedMessages
from messaging.models import Conversation, Message
from messaging.services import conversation_mark_read, message_send
from portal.accounts.models import User
from tests.browser.harness import BrowserSession, assert_accessible, make_group, shot
from tests.factories.accounts import UserFactory

MESSAGE = '[data-testid="message"]'
COMPOSER = '[data-testid="composer-input"]'


def _people() -> tuple[User, User]:
    anna = UserFactory.create(login="anna", last_name="Иванова", first_name="Анна")
    boris = UserFactory.create(login="boris", last_name="Петров", first_name="Борис")
    return anna, boris


def _send(user: User, conversation: Conversation, body: str) -> Message:
    message, _ = message_send(
        actor=user, conversation_id=conversation.pk, client_id=str(uuid.uuid4()), body=body
    )
    return message


def _open(page: Page, conversation: Conversation, query: str = "") -> None:
    page.goto(f"/c/{conversation.pk}{query}")
    expect(page.locator('[data-testid="timeline"]')).to_be_visible()


def _message(page: Page, text: str) -> Locator:
    return page.locator(MESSAGE).filter(has_text=text)


def test_two_people_talk_in_real_time(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris, title="Бюджет 2027")
    a, b = page_for(anna), page_for(boris)
    _open(a, group)
    _open(b, group)

    composer = a.locator(COMPOSER)
    composer.press_sequentially("Добрый день, коллеги")
    expect(b.locator('[data-testid="typing"]')).to_have_text(
        re.compile(r"^Иванова Анна .*печатает…$")
    )
    composer.press("Enter")
    expect(composer).to_have_value("")
    expect(_message(b, "Добрый день, коллеги")).to_be_visible()
    first_id = _message(b, "Добрый день, коллеги").get_attribute("data-id")
    expect(b.locator('[data-testid="typing"]')).to_have_text("", timeout=10_000)

    # Boris reacts from the context menu; Anna sees the count and who reacted.
    _message(b, "Добрый день, коллеги").click(button="right")
    menu = b.locator('[data-testid="message-menu"]')
    menu.get_by_role("menuitem", name="👍").click()
    reaction = _message(a, "Добрый день, коллеги").locator(
        '[data-testid="reaction"][data-emoji="👍"]'
    )
    expect(reaction).to_contain_text("1")
    expect(reaction).to_have_attribute("title", re.compile(r"^👍: Петров Борис"))

    # Boris replies with a quote.
    original = _message(b, "Добрый день, коллеги")
    original.hover()
    original.locator('[data-testid="reply-button"]').click()
    expect(b.locator('[data-testid="reply-bar"]')).to_contain_text("Ответ Иванова Анна")
    b.locator(COMPOSER).fill("Здравствуйте! Смету пришлю к обеду.")
    b.locator(COMPOSER).press("Enter")
    reply = _message(a, "Смету пришлю к обеду")
    expect(reply.locator('[data-testid="reply-quote"]')).to_contain_text("Добрый день, коллеги")

    # Read receipts: Boris has seen Anna's message.
    mine = _message(a, "Добрый день, коллеги").locator('[data-testid="receipt"]')
    expect(mine).to_have_attribute("data-read", "true")

    # Anna edits her message with the Up arrow; Boris sees the text and the mark.
    composer.click()
    composer.press("ArrowUp")
    expect(a.locator('[data-testid="edit-bar"]')).to_be_visible()
    expect(composer).to_have_value("Добрый день, коллеги")
    composer.fill("Добрый день, коллеги! Совещание в 15:00.")
    composer.press("Enter")
    edited = b.locator(f'{MESSAGE}[data-id="{first_id}"]')
    expect(edited).to_contain_text("Совещание в 15:00")
    expect(edited.locator('[data-testid="edited"]')).to_have_text("изменено")
    expect(a.locator('[data-testid="edit-bar"]')).to_have_count(0)
    # The quote under Boris's reply shows the new text too.
    quote = _message(b, "Смету пришлю к обеду").locator('[data-testid="reply-quote"]')
    expect(quote).to_contain_text("Совещание в 15:00")
    shot(a, "anna")
    shot(b, "boris")
    assert_accessible(a)


def test_hostile_bodies_render_as_text_and_the_limit_holds(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    bodies = [
        "<script>window.__pwned = 1; alert(1)</script>",
        '<img src="x" onerror="window.__pwned = 2; alert(2)">',
        "[нажми](javascript:alert(3))",
        "x" * 10_000,
    ]
    for body in bodies:
        _send(boris, group, body)
    a = page_for(anna)
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    a.on("dialog", refuse)
    _open(a, group)
    expect(_message(a, "<script>window.__pwned = 1; alert(1)</script>")).to_be_visible()
    expect(_message(a, '<img src="x" onerror=')).to_be_visible()
    link = _message(a, "нажми").locator("a")
    if link.count():
        assert not (link.first.get_attribute("href") or "").lower().startswith("javascript")
    timeline = a.locator('[data-testid="timeline"]')
    assert timeline.locator("script, img[onerror], [onerror]").count() == 0
    assert a.evaluate("() => window.__pwned") is None
    assert dialogs == []

    # A 100,000-character paste is refused in the client, with the limit shown.
    composer = a.locator(COMPOSER)
    composer.fill("я" * 100_000)
    expect(a.locator('[data-testid="too-long"]')).to_contain_text("10 000")
    expect(a.locator('[data-testid="send"]')).to_be_disabled()
    composer.press("Enter")
    expect(a.locator('[data-testid="pending-message"]')).to_have_count(0)
    assert not Message.objects.filter(conversation=group, author=anna, kind="text").exists()
    shot(a, "hostile")
    assert_accessible(a)


def _seed(conversation: Conversation, authors: list[User], count: int) -> None:
    """``count`` messages appended the way ``manage.py seed_messages`` does (bulk, in
    batches under the conversation's lock, gapless seq), an hour apart, ending now."""
    seeder = SeedMessages()
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    times = [now - dt.timedelta(minutes=count - i) for i in range(count)]
    for start in range(0, count, 1000):
        seeder._append(conversation.pk, [u.pk for u in authors], times[start : start + 1000], rng)
    # The bulk insert leaves read positions alone: the authors have read what they "wrote".
    conversation.refresh_from_db()
    for author in authors:
        conversation_mark_read(
            actor=author, conversation_id=conversation.pk, seq=conversation.last_seq
        )


def test_jump_to_a_message_loads_its_context(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    _seed(group, [anna, boris], 400)
    target = Message.objects.get(conversation=group, seq=group.messages.order_by("seq")[60].seq)
    a = page_for(anna)
    _open(a, group, f"?m={target.pk}")
    row = a.locator(f'{MESSAGE}[data-id="{target.pk}"]')
    expect(row).to_be_visible()
    expect(a.locator(f"{MESSAGE}.highlighted")).to_have_attribute("data-id", str(target.pk))
    # The window does not reach the present: the newest is not in it, a button leads there.
    newest = group.messages.order_by("-seq").first()
    assert newest is not None
    expect(a.locator(f'{MESSAGE}[data-id="{newest.pk}"]')).to_have_count(0)
    expect(a.locator('[data-testid="timeline"]')).to_have_attribute("data-newer", "more")
    shot(a, "jumped")
    a.locator('[data-testid="jump-latest"]').click()
    expect(a.locator(f'{MESSAGE}[data-id="{newest.pk}"]')).to_be_visible()


def test_ten_thousand_messages_keep_the_dom_small(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    _seed(group, [anna, boris], 10_000)
    a = page_for(anna)
    _open(a, group)
    newest = group.messages.order_by("-seq").first()
    assert newest is not None
    expect(a.locator(f'{MESSAGE}[data-id="{newest.pk}"]')).to_be_visible()
    timeline = a.locator('[data-testid="timeline"]')
    seen: set[int] = set()
    top_before: int | None = None
    for _ in range(12):
        timeline.evaluate("(el) => { el.scrollTop = 0; }")
        a.wait_for_timeout(300)
        seqs = a.locator(MESSAGE).evaluate_all("(rows) => rows.map((r) => Number(r.dataset.seq))")
        assert 0 < len(seqs) <= 100, len(seqs)
        if top_before is not None and min(seqs) < top_before:
            # An older page came in above and the view stayed where it was (not at the
            # top of the new page, which would page on and on).
            assert timeline.evaluate("(el) => el.scrollTop") > 500
        top_before = min(seqs)
        seen.update(seqs)
    assert min(seen) < 10_000 - 300, min(seen)  # several older pages were loaded
    shot(a, "ten-thousand")


def test_unread_messages_open_at_the_first_unread(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    _seed(group, [anna], 120)
    b = page_for(boris)
    membership = group.memberships.get(user=boris)
    first_unread = (
        group.messages.filter(seq__gt=membership.last_read_seq, author=anna).order_by("seq").first()
    )
    assert first_unread is not None
    _open(b, group)
    separator = b.locator('[data-testid="unread-separator"]')
    expect(separator).to_have_text("Новые сообщения")
    expect(b.locator(f'{MESSAGE}[data-id="{first_unread.pk}"]')).to_be_visible()
    shot(b, "first-unread")


def test_a_refused_send_keeps_the_draft_with_a_readable_error(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    page_for.allow_console_error(r"status of 403 .*/api/v1/conversations/.*/messages")
    a = page_for(anna)
    _open(a, group)
    remove_perm("messaging.post_message", anna, group)
    composer = a.locator(COMPOSER)
    composer.fill("Это сообщение сервер не примет")
    composer.press("Enter")
    error = a.locator('[data-testid="composer-error"]')
    expect(error).to_contain_text("Сообщение не отправлено")
    expect(composer).to_have_value("Это сообщение сервер не примет")
    assert not Message.objects.filter(conversation=group, body__startswith="Это сообщение").exists()
    shot(a, "refused")
