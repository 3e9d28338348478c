"""Message search in a real browser: a debounced query, highlighted snippets rendered
through the sanitiser, filters, the empty state, and a result opening its conversation."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from messaging.models import Conversation, Message
from messaging.services import message_send
from portal.accounts.models import User
from tests.browser.harness import BrowserSession, assert_accessible, make_group, shot
from tests.factories.accounts import UserFactory

RESULTS = '[data-testid="search-result"]'


def send(author: User, conversation: Conversation, body: str) -> Message:
    message, _ = message_send(
        actor=author, conversation_id=conversation.pk, client_id=str(uuid.uuid4()), body=body
    )
    return message


def test_search_finds_a_message_and_opens_it_in_its_conversation(
    page_for: BrowserSession,
) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    group = make_group(alice, bob, title="Бюджетная комиссия")
    other = make_group(alice, bob, title="Кадры")
    wanted = send(bob, group, "Проект бюджета на 2027 год готов <script>alert(1)</script>")
    send(bob, other, "Отпуск в июле")
    send(alice, other, "Бюджет отпусков согласован")

    page = page_for(alice)
    page.goto("/search")
    expect(page.get_by_text("Введите слово или фразу")).to_be_visible()
    page.get_by_role("searchbox", name="Что искать").fill("бюджет")
    results = page.locator(RESULTS)
    expect(results).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/search\?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82$"))
    expect(page.get_by_role("status")).to_have_text("Найдено 2 сообщения")
    first = results.filter(has_text="Бюджетная комиссия")
    expect(first.locator("mark")).to_have_count(1)
    expect(first).to_contain_text("Петров Борис")
    # Markup in the body never becomes elements (the snippet is escaped text and <mark>).
    assert page.locator(".snippet *:not(mark)").count() == 0
    shot(page, "results")
    assert_accessible(page)

    page.get_by_label("Беседа").select_option(label="Кадры")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Кадры")
    page.get_by_label("Автор").select_option(label="Петров Борис Сергеевич")
    expect(page.get_by_test_id("search-empty")).to_have_text(
        "Ничего не найдено. Попробуйте другие слова или уберите фильтры."
    )
    page.get_by_role("button", name="Сбросить фильтры").click()
    expect(results).to_have_count(2)

    first.get_by_role("link").click()
    expect(page.locator('[data-testid="app-shell"]')).to_have_attribute(
        "data-route", "conversation"
    )
    expect(page).to_have_url(re.compile(rf"/c/{group.pk}\?m={wanted.pk}$"))


def test_a_day_range_and_the_mentions_filter(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    group = make_group(alice, bob, title="Совещание")
    send(bob, group, "Совещание в пятницу")
    page = page_for(alice)
    page.goto("/search?q=совещание")
    results = page.locator(RESULTS)
    expect(results).to_have_count(1)
    page.get_by_label("По дату").fill("2020-01-01")
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    page.get_by_label("По дату").fill("")
    expect(results).to_have_count(1)
    page.get_by_label("Упоминают меня").check()
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    shot(page, "filters")
    assert_accessible(page)


def test_a_refused_query_is_explained(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice")
    page_for.allow_console_error(r"status of 400 .*/api/v1/search/messages\?")
    page = page_for(alice)
    page.goto("/search?q=" + "а" * 201)  # the box takes 200; the address bar does not stop it
    error = page.get_by_test_id("search-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Что искать:")
    expect(error).to_contain_text("200")
    shot(page, "refused")
    assert_accessible(page)
