"""Co-editing in the browser: two editors of one rich-text document, each in their own
browser, see each other's text and caret (with the other's name) through the y-websocket
socket; a viewer gets the live text read-only."""

from __future__ import annotations

from functools import partial

from playwright.sync_api import Page, expect

from documents.services.shares import share_add
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, shot
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_rich_text

EDITOR = '[data-testid="editor-text"]'


def _open(page: Page, document_id: object) -> None:
    page.goto(f"/documents/{document_id}")
    expect(page.locator('[data-testid="co-editor"]')).to_have_attribute("data-status", "online")


def test_two_editors_see_each_others_text_and_caret(page_for: BrowserSession) -> None:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(
        login="bob", last_name="Петров", first_name="Борис", agency=alice.agency
    )
    carol = UserFactory.create(
        login="carol", last_name="Кузнецова", first_name="Вера", agency=alice.agency
    )
    document = make_rich_text(alice, name="Служебная записка")
    # Off the test's thread: a share rings the co-editing sockets (access_changed) after
    # commit through async_to_sync, which Playwright's running loop here refuses.
    for user, role in ((bob, "editor"), (carol, "viewer")):
        off_loop(
            partial(
                share_add, actor=alice, document_id=document.pk, grantee_kind="user",
                grantee_id=user.pk, role=role,
            )
        )  # fmt: skip

    alices, bobs = page_for(alice), page_for(bob)
    _open(alices, document.pk)
    _open(bobs, document.pk)
    alices.locator(EDITOR).click()
    alices.keyboard.type("Прошу согласовать командировку.")
    expect(bobs.locator(EDITOR)).to_contain_text("Прошу согласовать командировку.")
    bobs.locator(EDITOR).click()
    bobs.keyboard.press("Control+End")
    bobs.keyboard.press("Enter")
    bobs.keyboard.type("Согласен, Петров.")
    expect(alices.locator(EDITOR)).to_contain_text("Согласен, Петров.")
    expect(bobs.locator(EDITOR)).to_contain_text("Прошу согласовать командировку.")

    # Each sees the other's caret, labelled with the other's name, and who is here.
    expect(alices.locator('[data-testid="caret-label"]', has_text="Петров")).to_be_visible()
    expect(bobs.locator('[data-testid="caret-label"]', has_text="Смирнова")).to_be_visible()
    expect(alices.locator('[data-testid="editor-peer"]', has_text="Петров")).to_be_visible()
    shot(alices, "alice")
    shot(bobs, "bob")
    assert_accessible(alices)
    assert_accessible(bobs)

    # A named version, then an export to .docx: a new file version of the document.
    snapshots = alices.locator('[data-testid="snapshots"]')
    snapshots.locator('[data-testid="snapshot-name"]').fill("Первая редакция")
    snapshots.locator('[data-testid="snapshot-create"]').click()
    expect(
        snapshots.locator('[data-testid="snapshot"]', has_text="Первая редакция")
    ).to_be_visible()
    snapshots.locator('[data-testid="export-docx"]').click()
    expect(snapshots.locator('[data-testid="export-done"]')).to_contain_text("версия 1")
    expect(bobs.locator('[data-testid="version"][data-number="1"]')).to_be_visible()
    alices.locator(EDITOR).click()
    alices.keyboard.press("Control+End")

    # A viewer receives the live text but cannot type into it.
    carols = page_for(carol)
    _open(carols, document.pk)
    expect(carols.locator(EDITOR)).to_contain_text("Согласен, Петров.")
    expect(carols.locator(EDITOR)).to_have_attribute("contenteditable", "false")
    expect(carols.locator('[data-testid="editor-status"]')).to_contain_text("Только просмотр")
    alices.keyboard.type(" Срочно.")
    expect(carols.locator(EDITOR)).to_contain_text("Срочно.")
    shot(carols, "viewer")
    assert_accessible(carols)
