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
from messaging.services import (
    conversation_create,
    conversation_mark_read,
    conversation_members_add,
    message_send,
)
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
    # Anna was at the bottom: the view followed the new message into sight.
    a.wait_for_function(
        """() => {
            const list = document.querySelector('[data-testid="timeline"]').getBoundingClientRect();
            const rows = [...document.querySelectorAll('[data-testid="message"]')];
            const last = rows[rows.length - 1].getBoundingClientRect();
            return last.bottom <= list.bottom + 1 && last.top >= list.top;
        }"""
    )

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


def test_message_actions_pins_deletes_history_forward_and_threads(
    page_for: BrowserSession,
) -> None:
    anna, boris = _people()
    group = make_group(anna, boris, title="Штаб")
    other = make_group(anna, boris, title="Юристы")
    first = _send(boris, group, "Первое сообщение")
    second = _send(anna, group, "Второе сообщение")
    third = _send(anna, group, "Третье сообщение")
    a = page_for(anna)
    _open(a, group)
    menu = a.locator('[data-testid="message-menu"]')

    # Pin: the bar shows it; a click on the bar jumps to it.
    _message(a, "Первое сообщение").click(button="right")
    menu.get_by_role("menuitem", name="Закрепить").click()
    bar = a.locator('[data-testid="pinned-bar"]')
    expect(bar).to_contain_text("Первое сообщение")
    bar.locator('[data-testid="pinned-open"]').click()
    expect(a.locator(f"{MESSAGE}.highlighted")).to_have_attribute("data-id", str(first.pk))

    # Delete for me: gone here only; delete for everyone: a tombstone for all.
    _message(a, "Второе сообщение").click(button="right")
    menu.get_by_role("menuitem", name="Удалить у меня").click()
    expect(a.locator(f'{MESSAGE}[data-id="{second.pk}"]')).to_have_count(0)
    a.once("dialog", lambda dialog: dialog.accept())
    _message(a, "Третье сообщение").click(button="right")
    menu.get_by_role("menuitem", name="Удалить для всех").click()
    expect(a.locator(f'{MESSAGE}[data-id="{third.pk}"]')).to_contain_text("Сообщение удалено")

    # Forward into another chat.
    _message(a, "Первое сообщение").click(button="right")
    menu.get_by_role("menuitem", name="Переслать").click()
    a.get_by_role("dialog").get_by_role("button", name="Юристы").click()
    expect(a.locator('[data-testid="notice"]')).to_have_text("Сообщение переслано")
    copy = Message.objects.get(conversation=other, kind="text")
    assert copy.body == "Первое сообщение"
    assert copy.forwarded_from is not None
    assert copy.forwarded_from["message_id"] == str(first.pk)

    # Reply in a thread opens the panel beside the history; Esc closes it.
    row = _message(a, "Первое сообщение")
    row.hover()
    row.locator('[data-testid="thread-button"]').click()
    expect(a.locator('[data-testid="thread-panel"]')).to_be_visible()
    assert f"/thread/{first.pk}" in a.url
    shot(a, "thread")
    a.keyboard.press("Escape")
    expect(a.locator('[data-testid="thread-panel"]')).to_have_count(0)
    assert_accessible(a)


def test_composer_mentions_emoji_drafts_and_escape(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    _send(boris, group, "Нужна ваша подпись")
    a = page_for(anna)
    _open(a, group)
    composer = a.locator(COMPOSER)

    # @-mention from the members list; sent with the message's mentions.
    composer.press_sequentially("Коллега @Пет")
    options = a.locator('[data-testid="mention-list"] [role="option"]')
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Петров Борис")
    composer.press("Enter")
    expect(composer).to_have_value(re.compile(r"^Коллега @Петров Борис \S* ?$"))

    # The bundled emoji picker, searched in Russian.
    a.locator('[data-testid="emoji-button"]').click()
    a.get_by_label("Поиск эмодзи").fill("нравится")
    a.locator('[data-testid="emoji-picker"]').get_by_role(
        "button", name="нравится класс да"
    ).click()
    expect(composer).to_have_value(re.compile("👍$"))

    # The draft and the reply survive a reload.
    row = _message(a, "Нужна ваша подпись")
    row.hover()
    row.locator('[data-testid="reply-button"]').click()
    draft = composer.input_value()
    a.reload()
    expect(a.locator(COMPOSER)).to_have_value(draft)
    expect(a.locator('[data-testid="reply-bar"]')).to_contain_text("Нужна ваша подпись")
    # Esc cancels the reply; Enter sends with the mention.
    a.locator(COMPOSER).press("Escape")
    expect(a.locator('[data-testid="reply-bar"]')).to_have_count(0)
    a.locator(COMPOSER).press("Enter")
    expect(a.locator(COMPOSER)).to_have_value("")
    sent = _message(a, "Коллега")
    expect(sent).to_be_visible()
    expect(sent.locator('[data-testid="receipt"]')).to_be_visible()
    message = Message.objects.get(conversation=group, author=anna, kind="text")
    assert message.mentions["users"] == [str(boris.pk)]
    assert message.reply_to_id is None
    a.reload()
    expect(a.locator(COMPOSER)).to_have_value("")


def test_a_channel_member_reads_without_a_composer_and_opens_comments(
    page_for: BrowserSession,
) -> None:
    anna, boris = _people()
    channel = conversation_create(
        actor=anna, kind=Conversation.Kind.CHANNEL, title="Новости ведомства",
        member_ids=[boris.pk], comments_enabled=True,
    )  # fmt: skip
    post = _send(anna, channel, "Приказ № 12 подписан")
    b = page_for(boris)
    _open(b, channel)
    expect(b.locator('[data-testid="no-composer"]')).to_have_text(
        "Писать в этот канал могут только администраторы."
    )
    expect(b.locator('[data-testid="composer"]')).to_have_count(0)
    link = b.locator(f'{MESSAGE}[data-id="{post.pk}"] [data-testid="thread-link"]')
    expect(link).to_have_text("Комментарии")
    link.click()
    expect(b.locator('[data-testid="thread-panel"]')).to_be_visible()
    b.set_viewport_size({"width": 768, "height": 900})
    shot(b, "channel-768")
    assert_accessible(b)


def test_jump_to_a_thread_reply_opens_its_thread(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris)
    root = _send(anna, group, "Вопрос по смете")
    reply, _ = message_send(
        actor=boris, conversation_id=group.pk, client_id=str(uuid.uuid4()),
        body="Ответ в ветке", thread_root_id=root.pk,
    )  # fmt: skip
    _seed(group, [anna, boris], 120)
    a = page_for(anna)
    _open(a, group, f"?m={reply.pk}")
    expect(a.locator('[data-testid="thread-panel"]')).to_contain_text("Ответ в ветке")
    expect(a.locator(f"{MESSAGE}.highlighted")).to_have_attribute("data-id", str(root.pk))
    assert f"/thread/{root.pk}" in a.url


def test_many_added_at_once_are_one_notice_seen_live(page_for: BrowserSession) -> None:
    anna, boris = _people()
    group = make_group(anna, boris, title="Штаб")
    b = page_for(boris)
    _open(b, group)
    olga = UserFactory.create(login="olga", last_name="Смирнова", first_name="Ольга")
    oleg = UserFactory.create(login="oleg", last_name="Орлов", first_name="Олег")
    rest = [UserFactory.create(login=f"staff{i}", last_name="Сотрудник") for i in range(12)]
    conversation_members_add(
        actor=anna, conversation_id=group.pk, user_ids=[u.pk for u in (olga, oleg, *rest)]
    )
    notice = b.locator('[data-system="true"]').last
    expect(notice).to_have_text(
        re.compile(r"^Иванова Анна .*добавляет Смирнова Ольга .*, Орлов Олег .* и ещё 12$")
    )
    # A single addition still reads as before.
    conversation_members_add(actor=anna, conversation_id=group.pk,
                             user_ids=[UserFactory.create(last_name="Новикова").pk])  # fmt: skip
    expect(b.locator('[data-system="true"]').last).to_have_text(
        re.compile(r"^Иванова Анна .*добавляет Новикова ")
    )
    # The header's count follows, without reopening the chat.
    expect(b.get_by_text("17 участников")).to_be_visible()
    shot(b, "members-added")
