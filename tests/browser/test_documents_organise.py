"""Documents in the browser, the rest of issue 12's screens: moving a folder and a document
through the move dialog (and the server's refusal shown as it says it), comments on an
older version in the versions list, and a failed preview that says why and makes it
again on retry."""

from __future__ import annotations

import io
from typing import Any

from playwright.sync_api import Page, expect

from documents.models import Comment, Document, Folder, Preview
from documents.services.files import version_upload
from documents.services.folders import department_root
from documents.services.previews import preview_make, preview_schedule
from documents.tasks import make_preview
from portal import clock
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, shot
from tests.documents.previews_support import png
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.factories.documents import make_document, make_folder


def _people() -> tuple[Any, Any]:
    department = DepartmentFactory.create(name="Юридический отдел")
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса",
                               agency=department.agency, department=department)  # fmt: skip
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис",
                             agency=department.agency, department=department)  # fmt: skip
    return alice, bob


def _open_folder(page: Page, name: str) -> None:
    page.goto("/documents")
    page.locator('[data-testid="document-root"]', has_text="Мои документы").click()
    if name:
        page.locator('[data-testid="subfolder-link"]', has_text=name).click()
        expect(page.locator('[data-testid="folder-name"]')).to_have_text(name)


def _walk(dialog: Any, *names: str) -> None:
    for name in names:
        dialog.locator('[data-testid="move-folder"]', has_text=name).click()
        expect(dialog.locator('[data-testid="move-location"]')).to_contain_text(name)


def test_moving_a_folder_and_a_document(page_for: BrowserSession) -> None:
    alice, _bob = _people()
    archive = make_folder(alice, name="Архив")
    drafts = make_folder(alice, name="Черновики")
    document = make_document(alice, filename="Приказ.pdf")
    page = page_for(alice)
    _open_folder(page, "")

    # The folder "Черновики" into "Архив".
    row = page.locator('[data-testid="subfolder"]', has_text="Черновики")
    row.locator('[data-testid="folder-move"]').click()
    dialog = page.locator('[data-testid="move-dialog"]')
    expect(dialog).to_be_visible()
    # Its own folder is the one it is in: "move here" waits for another choice.
    _walk(dialog, "Мои документы")
    expect(dialog.locator('[data-testid="move-here"]')).to_be_disabled()
    # It does not offer itself as a target.
    expect(dialog.locator('[data-testid="move-folder"]', has_text="Черновики")).to_have_count(0)
    _walk(dialog, "Архив")
    shot(page, "move-dialog")
    assert_accessible(page)
    dialog.locator('[data-testid="move-here"]').click()
    expect(dialog).to_have_count(0)
    expect(page.locator('[data-testid="subfolder"]', has_text="Черновики")).to_have_count(0)
    assert Folder.objects.get(pk=drafts.pk).parent_id == archive.pk

    # The document into "Архив / Черновики".
    page.locator(f'[data-testid="document-row"][data-id="{document.pk}"] '
                 '[data-testid="document-move"]').click()  # fmt: skip
    _walk(dialog, "Мои документы", "Архив", "Черновики")
    dialog.locator('[data-testid="move-here"]').click()
    expect(page.locator(f'[data-testid="document-row"][data-id="{document.pk}"]')).to_have_count(0)
    assert Document.objects.get(pk=document.pk).folder_id == drafts.pk
    page.locator('[data-testid="subfolder-link"]', has_text="Архив").click()
    page.locator('[data-testid="subfolder-link"]', has_text="Черновики").click()
    expect(page.locator(f'[data-testid="document-row"][data-id="{document.pk}"]')).to_be_visible()


def test_the_servers_refusal_is_shown_and_nothing_moves(page_for: BrowserSession) -> None:
    """Bob edits his department's folders but does not own them: he cannot carry one off
    into his own tree, and the dialog says what the server said."""
    alice, bob = _people()
    shared = department_root(department=alice.department)
    folder = make_folder(alice, parent=shared, name="Договоры")
    page = page_for(bob)
    page.goto(f"/documents/f/{shared.pk}")
    page.locator('[data-testid="subfolder"]', has_text="Договоры").locator(
        '[data-testid="folder-move"]'
    ).click()
    dialog = page.locator('[data-testid="move-dialog"]')
    _walk(dialog, "Мои документы")
    page_for.allow_console_error(r"403")
    dialog.locator('[data-testid="move-here"]').click()
    expect(dialog.locator('[data-testid="move-error"]')).to_contain_text("не позволяет")
    shot(page, "move-refused")
    assert Folder.objects.get(pk=folder.pk).parent_id == shared.pk


def test_comments_on_an_older_version(page_for: BrowserSession) -> None:
    alice, _bob = _people()
    document = make_document(alice, filename="Положение.pdf")
    first = document.current_version
    assert first is not None
    data = b"%PDF-1.4\n% second\n"
    off_loop(lambda: version_upload(actor=alice, document_id=document.pk,
                                    stream=io.BytesIO(data), filename="Положение.pdf",
                                    length=len(data)))  # fmt: skip
    page = page_for(alice)
    page.goto(f"/documents/{document.pk}")
    old = page.locator('[data-testid="version"][data-number="1"]')
    comments = old.locator('[data-testid="version-comments"]')
    comments.locator("summary").click()
    comments.locator('[data-testid="version-comment-input"]').fill("В первой версии опечатка.")
    comments.locator('[data-testid="version-comment-send"]').click()
    expect(comments.locator('[data-testid="version-comment"]')).to_contain_text("опечатка")
    expect(comments.locator("summary")).to_contain_text("(1)")
    # Version 2's list stays empty; the document's comments show it as version 1's.
    current = page.locator('[data-testid="version"][data-number="2"]')
    expect(current.locator('[data-testid="version-comments"] summary')).to_contain_text("(0)")
    expect(page.locator('[data-testid="comments"] [data-testid="comment"]')).to_contain_text(
        "К версии 1"
    )
    shot(page, "version-comments")
    assert_accessible(page)
    comment = Comment.objects.get(document=document)
    assert (comment.version_id, comment.body) == (first.pk, "В первой версии опечатка.")


def test_a_failed_preview_says_why_and_retry_makes_it(page_for: BrowserSession) -> None:
    alice, _bob = _people()
    document = make_document(alice, data=png(300, 200), filename="Схема.png")
    version = document.current_version
    assert version is not None

    def interrupt() -> None:
        preview_schedule(version=version)
        Preview.objects.filter(version=version).update(started_at=clock.now())
        assert make_preview(str(version.pk)) == "failed"  # a worker died midway

    off_loop(interrupt)
    page = page_for(alice)
    page.goto(f"/documents/{document.pk}")
    panel = page.locator('[data-testid="document-preview"]')
    expect(panel).to_have_attribute("data-status", "failed")
    expect(panel.locator('[data-testid="preview-reason"]')).to_contain_text("прерван")
    shot(page, "preview-failed")
    assert_accessible(page)
    panel.locator('[data-testid="preview-retry"]').click()
    expect(panel).to_have_attribute("data-status", "pending")
    expect(panel.locator('[data-testid="preview-retry"]')).to_have_count(0)
    assert Preview.objects.get(version=version).status == "pending"
    # The worker makes it now: the event brings the page to the pages.
    assert off_loop(lambda: preview_make(version_id=version.pk)) == "ready"
    expect(panel).to_have_attribute("data-status", "ready")
    expect(panel.locator('[data-testid="preview-page"]')).to_have_count(1)
