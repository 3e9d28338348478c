"""Approval in the browser: the owner builds a two-stage route (approvers picked from the
directory) and starts it; each approver, in their own browser, finds the task in the inbox
"Ждут моего решения" and approves; the document ends Registered with its number on every
screen. The inbox lists overdue tasks first. A stage for the head of the author's
department."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents.models import Document
from documents.services.approval import approval_route_start
from portal import clock
from portal.accounts.models import User
from portal.accounts.services.org import department_save
from portal.audit.services import RequestContext
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, make_direct, shot
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_document

NAV_APPROVALS_COUNT = '[data-testid="nav-approvals-count"]'


def _people() -> tuple[Any, Any, Any]:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(
        login="bob", last_name="Петров", first_name="Борис", agency=alice.agency
    )
    carol = UserFactory.create(
        login="carol", last_name="Кузнецова", first_name="Вера", agency=alice.agency
    )
    return alice, bob, carol


def _pick(page: Page, test_id: str, query: str, login: str) -> None:
    page.locator(f'[data-testid="{test_id}-input"]').fill(query)
    page.locator(
        f'[data-testid="{test_id}"] [data-testid="user-result"][data-login="{login}"]'
    ).click()


def _decide_from_inbox(page: Page, document: Document) -> None:
    page.goto("/approvals")
    item = page.locator(f'[data-testid="inbox-item"][data-document="{document.pk}"]')
    expect(item).to_be_visible()
    expect(page.locator(NAV_APPROVALS_COUNT)).to_have_text("1")
    item.locator('[data-testid="inbox-link"]').click()
    form = page.locator('[data-testid="decision-form"]')
    expect(form).to_be_visible()
    form.locator('[data-testid="decision-comment"]').fill("Согласовано без замечаний.")
    form.locator('[data-testid="decide-approve"]').click()
    expect(form).to_have_count(0)


def test_a_two_stage_route_ends_registered_with_its_number(page_for: BrowserSession) -> None:
    alice, bob, carol = _people()
    document = make_document(alice, filename="Положение об отпусках.pdf")
    alices = page_for(alice)
    alices.goto(f"/documents/{document.pk}")
    alices.locator('[data-testid="route-new"]').click()
    builder = alices.locator('[data-testid="route-builder"]')
    _pick(alices, "stage-1-approver", "Петров", "bob")
    builder.locator('[data-testid="add-stage"]').click()
    _pick(alices, "stage-2-approver", "Кузнецова", "carol")
    expect(builder.locator('[data-testid="builder-approver"]')).to_have_count(2)
    builder.locator('[data-testid="route-policy"]').select_option("refuse")
    shot(alices, "builder")
    assert_accessible(alices)
    builder.locator('[data-testid="route-start"]').click()
    route = alices.locator('[data-testid="route"]')
    expect(route).to_have_attribute("data-status", "running")
    expect(alices.locator('[data-testid="document-status"]')).to_have_attribute(
        "data-status", "in_approval"
    )
    stages = route.locator('[data-testid="route-stage"]')
    expect(stages).to_have_count(2)
    expect(stages.nth(0)).to_have_attribute("data-current", "true")
    shot(alices, "started")

    # The task reached Bob as a card in his chat with Alice, linking to the document.
    direct = off_loop(lambda: make_direct(alice, bob))
    bobs = page_for(bob)
    bobs.goto(f"/c/{direct.pk}")
    card = bobs.locator('[data-testid="approval-card"]').last
    expect(card).to_contain_text("Ждёт вашего решения: «Положение об отпусках.pdf»")
    shot(bobs, "task-card")
    card.locator('[data-testid="approval-card-link"]').click()
    expect(bobs.locator('[data-testid="decision-form"]')).to_be_visible()
    _decide_from_inbox(bobs, document)
    # Alice's page follows: stage 2 is current now, Bob's decision is listed.
    expect(stages.nth(1)).to_have_attribute("data-current", "true")
    expect(route.locator('[data-testid="route-decision"]')).to_have_count(1)
    # Bob has nothing more to decide.
    bobs.goto("/approvals")
    expect(bobs.locator('[data-testid="inbox-empty"]')).to_be_visible()

    carols = page_for(carol)
    _decide_from_inbox(carols, document)
    shot(carols, "decided")
    assert_accessible(carols)

    document.refresh_from_db()
    assert document.status == Document.Status.REGISTERED
    number = document.registration_number
    assert number
    for page in (alices, carols):
        expect(page.locator('[data-testid="document-status"]')).to_have_attribute(
            "data-status", "registered"
        )
        expect(page.locator('[data-testid="registration-number"]')).to_contain_text(number)
    expect(route).to_have_attribute("data-status", "registered")
    expect(alices.locator('[data-testid="route-registered"]')).to_contain_text(number)
    expect(route.locator('[data-testid="route-decision"]')).to_have_count(2)
    shot(alices, "registered")
    assert_accessible(alices)


def test_the_inbox_lists_overdue_tasks_first(page_for: BrowserSession) -> None:
    alice, bob, _ = _people()
    later = make_document(alice, filename="Смета.pdf")
    overdue = make_document(alice, filename="Отчёт за квартал.pdf")
    soon = make_document(alice, filename="План закупок.pdf")

    def start(document: Document, hours: int, *, days_ago: int = 0) -> None:
        # Off the test's thread (the viewer shares it grants ring the editing sockets
        # through async_to_sync); the clock moved back for a route that is overdue now.
        def run() -> None:
            with clock.frozen(timezone.now() - dt.timedelta(days=days_ago)):
                approval_route_start(
                    actor=alice, document_id=document.pk, on_new_version="restart",
                    stages=[
                        {"approver_ids": [str(bob.pk)], "mode": "all", "duration_hours": hours}
                    ],
                )  # fmt: skip

        off_loop(run)

    start(later, 72)
    start(overdue, 24, days_ago=3)  # a day to decide, three days ago
    start(soon, 2)

    bobs = page_for(bob)
    bobs.goto("/approvals")
    items = bobs.locator('[data-testid="inbox-item"]')
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_attribute("data-document", str(overdue.pk))
    expect(items.nth(0)).to_have_attribute("data-overdue", "true")
    expect(items.nth(0).locator('[data-testid="inbox-overdue"]')).to_have_text("Просрочено")
    expect(items.nth(1)).to_have_attribute("data-document", str(soon.pk))
    expect(items.nth(2)).to_have_attribute("data-document", str(later.pk))
    expect(bobs.locator(NAV_APPROVALS_COUNT)).to_have_text("3")
    shot(bobs, "inbox")
    assert_accessible(bobs)


def test_a_stage_for_the_head_of_the_authors_department(page_for: BrowserSession) -> None:
    """The builder asks for "the head of the author's department": the route names the
    head found in the org tree, shown with the rule; a department without a head is the
    server's clear refusal, and nothing starts."""
    alice, bob, _carol = _people()

    def department(head: Any) -> Any:
        return department_save(
            actor=None, department=None, agency=alice.agency, parent=None,
            name="Правовой отдел" if head else "Отдел без руководителя", head=head,
            context=RequestContext(),
        )  # fmt: skip

    headless = off_loop(lambda: department(None))
    User.objects.filter(pk=alice.pk).update(department=headless)
    document = make_document(alice, filename="Доверенность.pdf")
    page = page_for(alice)
    page.goto(f"/documents/{document.pk}")
    page.locator('[data-testid="route-new"]').click()
    builder = page.locator('[data-testid="route-builder"]')
    builder.locator('[data-testid="stage-1-author-head"]').check()
    page_for.allow_console_error(r"status of 400")
    builder.locator('[data-testid="route-start"]').click()
    expect(builder.locator('[data-testid="route-error"]')).to_contain_text("нет руководителя")
    assert not document.routes.exists()

    legal = off_loop(lambda: department(bob))
    User.objects.filter(pk=alice.pk).update(department=legal)
    builder.locator('[data-testid="route-start"]').click()
    route = page.locator('[data-testid="route"]')
    expect(route).to_have_attribute("data-status", "running")
    approver = route.locator('[data-testid="route-approver"]')
    expect(approver).to_contain_text("Петров Борис")
    expect(approver).to_contain_text("руководитель подразделения автора")
    shot(page, "author-head")
    assert_accessible(page)
