"""Approval settings in the browser (/approvals): naming a deputy for a period (they see
whom they stand in for, and the principal's task reaches them), ending it; editing a
route template's name and stages, and deleting it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents.models import ApprovalDelegation, ApprovalTemplate
from documents.services.approval import approval_route_start, approval_template_create
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, shot
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_document


def _people() -> tuple[Any, Any, Any]:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис",
                             agency=alice.agency)  # fmt: skip
    carol = UserFactory.create(login="carol", last_name="Кузнецова", first_name="Вера",
                               agency=alice.agency)  # fmt: skip
    return alice, bob, carol


def _pick(page: Page, test_id: str, query: str, login: str) -> None:
    page.locator(f'[data-testid="{test_id}-input"]').fill(query)
    page.locator(
        f'[data-testid="{test_id}"] [data-testid="user-result"][data-login="{login}"]'
    ).click()


def test_naming_a_deputy_and_ending_it(page_for: BrowserSession) -> None:
    alice, bob, carol = _people()
    document = make_document(carol, filename="Смета.pdf")
    off_loop(lambda: approval_route_start(
        actor=carol, document_id=document.pk, on_new_version="restart",
        stages=[{"approver_ids": [str(alice.pk)], "mode": "all", "duration_hours": 24}],
    ))  # fmt: skip
    alices = page_for(alice)
    alices.goto("/approvals")
    panel = alices.locator('[data-testid="delegations"]')
    expect(panel).to_be_visible()
    _pick(alices, "delegation-deputy-search", "Петров", "bob")
    expect(panel.locator('[data-testid="delegation-deputy"]')).to_contain_text("Петров")
    today = timezone.localdate()  # the server's day: delegation dates are in its time zone
    panel.locator('[data-testid="delegation-from"]').fill(today.isoformat())
    panel.locator('[data-testid="delegation-to"]').fill((today + dt.timedelta(days=3)).isoformat())
    panel.locator('[data-testid="delegation-create"]').click()
    expect(panel.locator('[data-testid="delegation"]')).to_contain_text("Петров Борис")
    shot(alices, "deputy")
    assert_accessible(alices)
    delegation = ApprovalDelegation.objects.get()
    assert (delegation.principal_id, delegation.deputy_id) == (alice.pk, bob.pk)
    assert (delegation.from_date, delegation.to_date) == (today, today + dt.timedelta(days=3))

    # Bob sees whom he stands in for, and Alice's task is in his inbox.
    bobs = page_for(bob)
    bobs.goto("/approvals")
    expect(bobs.locator('[data-testid="standing-in"]')).to_contain_text("Смирнова Алиса")
    expect(
        bobs.locator(f'[data-testid="inbox-item"][data-document="{document.pk}"]')
    ).to_be_visible()

    # An end date before the start: the server's refusal is shown.
    page_for.allow_console_error(r"400")
    _pick(alices, "delegation-deputy-search", "Кузнецова", "carol")
    panel.locator('[data-testid="delegation-from"]').fill(
        (today + dt.timedelta(days=5)).isoformat()
    )
    panel.locator('[data-testid="delegation-to"]').fill((today + dt.timedelta(days=4)).isoformat())
    panel.locator('[data-testid="delegation-create"]').click()
    expect(panel.locator('[data-testid="delegation-error"]')).to_be_visible()
    assert ApprovalDelegation.objects.count() == 1

    panel.locator('[data-testid="delegation-end"]').click()
    expect(panel.locator('[data-testid="delegation"]')).to_have_count(0)
    assert not ApprovalDelegation.objects.exists()


def test_editing_and_deleting_a_route_template(page_for: BrowserSession) -> None:
    alice, bob, carol = _people()
    mine = off_loop(lambda: approval_template_create(
        actor=alice, name="Приказы", stages=[
            {"approver_ids": [str(bob.pk)], "mode": "all", "duration_hours": 24}],
    ))  # fmt: skip
    theirs = off_loop(lambda: approval_template_create(
        actor=carol, name="Договоры", stages=[
            {"approver_ids": [str(bob.pk)], "mode": "any", "duration_hours": 8}],
    ))  # fmt: skip
    page = page_for(alice)
    page.on("dialog", lambda dialog: dialog.accept())  # "delete the template?"
    page.goto("/approvals")
    panel = page.locator('[data-testid="templates"]')
    row = panel.locator(f'[data-testid="template"][data-id="{mine.pk}"]')
    other = panel.locator(f'[data-testid="template"][data-id="{theirs.pk}"]')
    expect(other).to_contain_text("Договоры")
    expect(other.locator('[data-testid="template-edit"]')).to_have_count(0)  # Carol's

    row.locator('[data-testid="template-edit"]').click()
    form = row.locator('[data-testid="template-form"]')
    form.locator('[data-testid="template-name-input"]').fill("Приказы по личному составу")
    form.locator('[data-testid="add-stage"]').click()
    _pick(page, "stage-2-approver", "Кузнецова", "carol")
    form.locator('[data-testid="stage-1-author-head"]').check()
    form.locator('[data-testid="stage-hours"]').nth(1).fill("48")
    shot(page, "template-form")
    assert_accessible(page)
    form.locator('[data-testid="template-save"]').click()
    expect(row.locator('[data-testid="template-name"]')).to_have_text("Приказы по личному составу")
    mine.refresh_from_db()
    assert mine.name == "Приказы по личному составу"
    assert mine.stages == [
        {"approver_ids": [str(bob.pk)], "head_of": ["author"], "mode": "all",
         "duration_hours": 24, "manager_id": None},
        {"approver_ids": [str(carol.pk)], "head_of": [], "mode": "all", "duration_hours": 48,
         "manager_id": None},
    ]  # fmt: skip

    row.locator('[data-testid="template-delete"]').click()
    expect(row).to_have_count(0)
    assert list(ApprovalTemplate.objects.values_list("name", flat=True)) == ["Договоры"]
