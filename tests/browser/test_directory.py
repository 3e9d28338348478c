"""The staff directory in a real browser: the department tree, people of a department,
search in Cyrillic and Latin, a profile card and "write a message" opening the direct chat."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from messaging.models import Conversation
from tests.browser.harness import BrowserSession, assert_accessible, shot
from tests.factories.accounts import AgencyFactory, DepartmentFactory, UserFactory

PEOPLE = '[data-testid="person"]'


def test_tree_people_profile_and_write_a_message(page_for: BrowserSession) -> None:
    agency = AgencyFactory.create(name="Министерство финансов")
    finance = DepartmentFactory.create(agency=agency, name="Финансовое управление")
    budget = DepartmentFactory.create(agency=agency, name="Бюджетный отдел", parent=finance)
    DepartmentFactory.create(agency=agency, name="Аналитический отдел", parent=finance)
    alice = UserFactory.create(
        login="smirnova", last_name="Смирнова", first_name="Алиса", middle_name="",
        department=finance, position="Начальник управления",
    )  # fmt: skip
    maria = UserFactory.create(
        login="ivanova", last_name="Иванова", first_name="Мария", middle_name="",
        department=budget, position="Консультант", email="ivanova@minfin.example",
        phone="+7 495 000-00-01",
    )  # fmt: skip
    page = page_for(alice)
    page.goto("/directory")
    directory = page.locator('[data-testid="directory"]')
    expect(directory).to_be_visible()
    # The reader's own department is chosen; with its sub-departments, both people.
    expect(page.get_by_role("button", name="Финансовое управление", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator(PEOPLE)).to_have_count(2)
    expect(page.get_by_role("button", name="Бюджетный отдел", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Развернуть «Финансовое управление»").click()
    expect(page.get_by_role("button", name="Аналитический отдел", exact=True)).to_be_visible()
    page.get_by_role("button", name="Бюджетный отдел", exact=True).click()
    expect(page.locator(PEOPLE)).to_have_count(1)
    expect(page.locator(PEOPLE)).to_contain_text("Иванова Мария")
    page.get_by_label("Включая вложенные подразделения").uncheck()
    expect(page.locator(PEOPLE)).to_have_count(1)
    shot(page, "department")
    assert_accessible(page)

    page.locator(PEOPLE).first.click()
    expect(page).to_have_url(re.compile(rf"/directory/{maria.pk}$"))
    card = page.locator('[data-testid="profile-card"]')
    expect(card.get_by_role("heading", level=2)).to_have_text("Иванова Мария")
    expect(card).to_contain_text("Консультант")
    expect(card).to_contain_text("Министерство финансов")
    expect(card).to_contain_text("Бюджетный отдел")
    expect(card.get_by_role("link", name="ivanova@minfin.example")).to_have_attribute(
        "href", "mailto:ivanova@minfin.example"
    )
    expect(card.locator('[data-testid="presence"]')).to_have_text("Не в сети")
    shot(page, "profile")
    assert_accessible(page)
    page.set_viewport_size({"width": 768, "height": 900})
    shot(page, "profile-768")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    card.get_by_role("button", name="Написать сообщение").click()
    expect(page.locator('[data-testid="app-shell"]')).to_have_attribute(
        "data-route", "conversation"
    )
    direct = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    expect(page).to_have_url(re.compile(rf"/c/{direct.pk}$"))
    assert set(direct.memberships.values_list("user_id", flat=True)) == {alice.pk, maria.pk}


def test_search_in_latin_and_cyrillic(page_for: BrowserSession) -> None:
    agency = AgencyFactory.create(name="Министерство юстиции")
    department = DepartmentFactory.create(agency=agency, name="Правовой отдел")
    reader = UserFactory.create(login="reader", last_name="Орлов", department=department)
    UserFactory.create(login="ivanova", last_name="Иванова", first_name="Мария", agency=agency)
    UserFactory.create(login="petrova", last_name="Петрова", first_name="Анна", agency=agency)
    page = page_for(reader)
    page.goto("/directory")
    search = page.get_by_role("searchbox", name="Поиск по имени или логину")
    search.fill("ivanova")
    expect(page.locator(PEOPLE)).to_have_count(1)
    expect(page.locator(PEOPLE)).to_contain_text("Иванова Мария")
    search.fill("Петров")
    expect(page.locator(PEOPLE)).to_have_count(1)
    expect(page.locator(PEOPLE)).to_contain_text("Петрова Анна")
    search.fill("Несуществующий")
    expect(page.get_by_text("Никого не найдено.")).to_be_visible()
    shot(page, "search")
    assert_accessible(page)


def test_an_unknown_profile_says_so(page_for: BrowserSession) -> None:
    reader = UserFactory.create(login="reader")
    page_for.allow_console_error(r"status of 404 .*/api/v1/users/")
    page = page_for(reader)
    page.goto("/directory/00000000-0000-4000-8000-000000000000")
    expect(page.locator('[data-testid="profile-card"]')).to_contain_text("Сотрудник не найден.")
