"""Documents in the browser: folders and an upload with its progress, the file's versions
(a second upload makes version 2, a restore makes version 3 with version 1's bytes), the
sharing dialog giving another user access live and revoking it; a large file through the
resumable upload part by part, cancelled (the session deleted), and a conflicting upload
explained."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
from functools import partial
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from documents.models import Document, Version
from documents.models.uploads import UploadSession
from documents.services.files import version_upload
from documents.services.previews import preview_make
from documents.services.shares import share_add
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, shot
from tests.documents.previews_support import pdf as previews_pdf
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_document, make_folder

UPLOAD = '[data-testid="doc-upload"]'
MIB = 1024 * 1024


def _people() -> tuple[Any, Any]:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(
        login="bob", last_name="Петров", first_name="Борис", agency=alice.agency
    )
    return alice, bob


def _pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n"


def _throttle_uploads(page: Page, bytes_per_second: int | None) -> None:
    """Slow the page's uploads down (Chromium's network emulation), so progress shows."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second or -1,
        },
    )


def _version(page: Page, number: int) -> Any:
    return page.locator(f'[data-testid="version"][data-number="{number}"]')


def test_upload_versions_restore_and_sharing(page_for: BrowserSession, tmp_path: Path) -> None:
    alice, bob = _people()
    make_folder(alice, name="Приказы")
    first, second = _pdf(300 * 1024), _pdf(20 * 1024)
    page = page_for(alice)
    page.on("dialog", lambda dialog: dialog.accept())  # "restore version 1?"
    page.goto("/documents")
    root = page.locator('[data-testid="document-root"]', has_text="Мои документы")
    expect(root).to_be_visible()
    shot(page, "roots")
    assert_accessible(page)
    root.click()
    page.locator('[data-testid="subfolder-link"]', has_text="Приказы").click()
    expect(page.locator('[data-testid="folder-name"]')).to_have_text("Приказы")
    expect(page.locator('[data-testid="folder-empty"]')).to_be_visible()

    _throttle_uploads(page, 100 * 1024)
    page.locator('[data-testid="upload-input"]').set_input_files(
        {"name": "Приказ № 15.pdf", "mimeType": "application/pdf", "buffer": first}
    )
    upload = page.locator(UPLOAD)
    expect(upload).to_have_attribute("data-status", "uploading")
    page.wait_for_function(
        """() => { const p = document.querySelector('[data-testid="upload-progress"]');
                   return p && p.value > 0 && p.value < p.max; }"""
    )
    shot(page, "uploading")
    assert_accessible(page)
    expect(upload).to_have_attribute("data-status", "done", timeout=20_000)
    _throttle_uploads(page, None)
    row = page.locator('[data-testid="document-row"]', has_text="Приказ № 15.pdf")
    expect(row).to_contain_text("в. 1")
    shot(page, "folder")

    row.locator('[data-testid="document-link"]').click()
    expect(page.locator('[data-testid="document-name"]')).to_have_text("Приказ № 15.pdf")
    expect(page.locator('[data-testid="version"]')).to_have_count(1)
    page.locator('[data-testid="version-input"]').set_input_files(
        {"name": "Приказ № 15 (исправленный).pdf", "mimeType": "application/pdf", "buffer": second}
    )
    expect(_version(page, 2)).to_have_attribute("data-current", "true")
    _version(page, 1).locator('[data-testid="version-restore"]').click()
    expect(_version(page, 3)).to_have_attribute("data-current", "true")
    expect(_version(page, 3)).to_contain_text("Восстановлена из версии 1")
    shot(page, "versions")
    assert_accessible(page)
    with page.expect_download() as info:
        page.locator('[data-testid="document-download"]').click()
    saved = tmp_path / "v3.pdf"
    info.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(first).digest()

    # Sharing: Bob sees nothing yet; Alice gives him viewer access and he sees it at once.
    bobs = page_for(bob)
    bobs.goto("/documents")
    expect(bobs.locator("#shared-title")).to_be_visible()
    expect(bobs.locator('[data-testid="shared-documents"]')).to_have_count(0)
    page.locator('[data-testid="share-button"]').click()
    dialog = page.locator('[data-testid="share-dialog"]')
    dialog.locator('[data-testid="share-user-input"]').fill("Петров")
    dialog.locator('[data-testid="user-result"][data-login="bob"]').click()
    expect(dialog.locator('[data-testid="share-chosen"]')).to_contain_text("Петров")
    dialog.locator('[data-testid="share-role"]').select_option("viewer")
    dialog.locator('[data-testid="share-submit"]').click()
    share = dialog.locator(f'[data-testid="share"][data-grantee="{bob.pk}"]')
    expect(share).to_contain_text("Петров")
    shot(page, "share-dialog")
    assert_accessible(page)

    shared = bobs.locator('[data-testid="shared-documents"] [data-testid="document-row"]')
    expect(shared).to_have_count(1)
    expect(shared).to_contain_text("Приказ № 15.pdf")
    shot(bobs, "shared-with-bob")
    shared.locator('[data-testid="document-link"]').click()
    expect(bobs.locator('[data-testid="document-role"]')).to_contain_text("Просмотр")
    expect(bobs.locator('[data-testid="upload-version"]')).to_have_count(0)
    expect(bobs.locator('[data-testid="share-button"]')).to_have_count(0)
    assert_accessible(bobs)

    # Revoked: his open page loses the document at once (the event, then a 404).
    page_for.allow_console_error(r"status of 404 .*/api/v1/documents/[0-9a-f-]+")
    share.locator('[data-testid="share-revoke"]').click()
    expect(dialog.locator('[data-testid="share"]')).to_have_count(0)
    expect(bobs.locator('[data-testid="document-error"]')).to_be_visible()
    shot(bobs, "revoked")
    bobs.goto("/documents")
    expect(bobs.locator("#shared-title")).to_be_visible()
    expect(bobs.locator('[data-testid="shared-documents"]')).to_have_count(0)


def _hold(page: Page, pattern: str) -> list[Route]:
    """Keep the requests matching ``pattern`` waiting (until the test lets them go)."""
    held: list[Route] = []
    page.route(pattern, lambda route: held.append(route))
    return held


def test_a_large_upload_goes_part_by_part_and_cancel_deletes_the_session(
    page_for: BrowserSession,
) -> None:
    alice, _ = _people()
    folder = make_folder(alice, name="Архив")
    page = page_for(alice)
    page.goto(f"/documents/f/{folder.pk}")
    expect(page.locator('[data-testid="folder-empty"]')).to_be_visible()
    held = _hold(page, "**/api/v1/uploads/*/parts/2")
    page.locator('[data-testid="upload-input"]').set_input_files(
        {"name": "Архив.pdf", "mimeType": "application/pdf", "buffer": _pdf(9 * MIB)}
    )
    upload = page.locator(UPLOAD)
    # Part 1 of 2 stored (8 MiB), part 2 on its way.
    expect(upload).to_contain_text("частей: 1 из 2", timeout=20_000)
    for _ in range(50):  # the route handler hears of part 2 while Playwright dispatches
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "part 2 was not sent"
    assert UploadSession.objects.filter(created_by=alice).count() == 1
    shot(page, "part-1-of-2")
    assert_accessible(page)
    upload.locator('[data-testid="upload-cancel"]').click()
    expect(upload).to_have_attribute("data-status", "cancelled")
    for route in held:
        # The browser has given up on it already; this only lets Playwright's copy go
        # (which may be settled by then).
        with contextlib.suppress(PlaywrightError):
            route.abort()
    # The session was deleted (its parts aborted in S3); no document was made.
    expect(page.locator('[data-testid="folder-empty"]')).to_be_visible()
    deadline_checks = 50
    while UploadSession.objects.filter(created_by=alice).exists() and deadline_checks:
        page.wait_for_timeout(100)
        deadline_checks -= 1
    assert not UploadSession.objects.filter(created_by=alice).exists()
    assert not Document.objects.filter(folder=folder).exists()


def test_a_large_upload_completes_and_a_conflicting_one_is_explained(
    page_for: BrowserSession,
) -> None:
    alice, bob = _people()
    folder = make_folder(alice, name="Договоры")
    document = make_document(alice, folder=folder, filename="Договор.pdf", data=_pdf(1000))
    off_loop(
        partial(
            share_add, actor=alice, document_id=document.pk, grantee_kind="user",
            grantee_id=bob.pk, role="editor",
        )
    )  # fmt: skip
    big = _pdf(9 * MIB)
    page = page_for(alice)
    page.goto(f"/documents/{document.pk}")
    expect(_version(page, 1)).to_have_attribute("data-current", "true")

    # A version through the resumable session: two parts, then version 2.
    page.locator('[data-testid="version-input"]').set_input_files(
        {"name": "Договор.pdf", "mimeType": "application/pdf", "buffer": big}
    )
    upload = page.locator(UPLOAD)
    expect(upload).to_have_attribute("data-status", "done", timeout=30_000)
    expect(upload).to_contain_text("частей: 2 из 2")
    expect(_version(page, 2)).to_have_attribute("data-current", "true")
    stored = Version.objects.get(document=document, number=2)
    assert stored.size == len(big)
    assert stored.sha256 == hashlib.sha256(big).hexdigest()

    # Another upload starts from version 2; meanwhile someone else makes version 3.
    held = _hold(page, "**/api/v1/uploads/*/parts/2")
    page.locator('[data-testid="version-input"]').set_input_files(
        {"name": "Договор (моя правка).pdf", "mimeType": "application/pdf", "buffer": big}
    )
    conflicted = page.locator(UPLOAD).nth(1)
    expect(conflicted).to_contain_text("частей: 1 из 2", timeout=20_000)

    # Bob, an editor, uploads from elsewhere.
    data = _pdf(500)
    off_loop(
        lambda: version_upload(
            actor=bob,
            document_id=document.pk,
            stream=io.BytesIO(data),
            filename="Договор.pdf",
            length=len(data),
        )
    )
    expect(_version(page, 3)).to_have_attribute("data-current", "true")
    page_for.allow_console_error(r"status of 412 .*/api/v1/uploads/")
    for route in held:
        route.continue_()
    error = conflicted.locator('[data-testid="upload-error"]')
    expect(error).to_have_attribute("data-kind", "conflict", timeout=20_000)
    expect(error).to_contain_text("кто-то другой загрузил новую версию")
    shot(page, "conflict")
    assert_accessible(page)
    assert not Version.objects.filter(document=document, number=4).exists()


def test_a_pdf_shows_its_first_pages_once_made(page_for: BrowserSession) -> None:
    alice, _ = _people()
    document = make_document(
        alice, data=previews_pdf(2, text="Регламент"), filename="Регламент.pdf"
    )
    page = page_for(alice)
    page.goto(f"/documents/{document.pk}")
    preview = page.locator('[data-testid="document-preview"]')
    expect(preview).to_have_attribute("data-status", "pending")
    # The preview is made (the Celery task's service, here off the test's thread): its
    # document_preview event brings the pages to the open page.
    off_loop(lambda: preview_make(version_id=document.current_version_id))
    expect(preview).to_have_attribute("data-status", "ready")
    pages = preview.locator('[data-testid="preview-page"]')
    expect(pages).to_have_count(2)
    expect(pages.first).to_have_attribute("alt", "Страница 1")
    # The page image came from a signed Portal link, shown from a Blob.
    expect(pages.first).to_have_attribute("src", re.compile(r"^blob:"))
    shot(page, "preview")
    assert_accessible(page)


def test_a_large_upload_resumes_after_a_page_reload(
    page_for: BrowserSession, tmp_path: Path
) -> None:
    """Part 1 is stored, the page is reloaded while part 2 is on its way; choosing the same
    file again asks the session and sends only part 2 (no new session)."""
    alice, _ = _people()
    folder = make_folder(alice, name="Архив")
    data = _pdf(9 * MIB)
    path = tmp_path / "Отчёт за год.pdf"
    path.write_bytes(data)
    page = page_for(alice)
    page.goto(f"/documents/f/{folder.pk}")
    held = _hold(page, "**/api/v1/uploads/*/parts/2")
    page.locator('[data-testid="upload-input"]').set_input_files(str(path))
    expect(page.locator(UPLOAD)).to_contain_text("частей: 1 из 2", timeout=20_000)
    session = UploadSession.objects.get(created_by=alice)
    remembered = page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('portal.upload.'))"
        ".map((k) => localStorage.getItem(k))"
    )
    assert remembered == [str(session.pk)]

    # The reload drops part 2 while it is held (it never reaches the server).
    page.reload()
    for route in held:
        with contextlib.suppress(PlaywrightError):
            route.abort()
    page.unroute("**/api/v1/uploads/*/parts/2")
    expect(page.locator('[data-testid="folder-empty"]')).to_be_visible()
    assert UploadSession.objects.get(created_by=alice).pk == session.pk
    sent: list[str] = []
    page.on(
        "request", lambda r: sent.append(f"{r.method} {r.url}") if "/uploads" in r.url else None
    )
    page.locator('[data-testid="upload-input"]').set_input_files(str(path))
    upload = page.locator(UPLOAD)
    expect(upload).to_have_attribute("data-status", "done", timeout=30_000)
    shot(page, "resumed")
    paths = [s.split(" ", 1)[0] + " " + s.split("/api/v1/", 1)[1] for s in sent]
    assert paths == [
        f"GET uploads/{session.pk}",
        f"PUT uploads/{session.pk}/parts/2",
        f"POST uploads/{session.pk}/complete",
    ]
    document = Document.objects.get(folder=folder)
    assert document.name == "Отчёт за год.pdf"
    assert document.current_version is not None
    assert document.current_version.sha256 == hashlib.sha256(data).hexdigest()
    assert not UploadSession.objects.filter(created_by=alice).exists()
    assert (
        page.evaluate(
            "Object.keys(localStorage).filter((k) => k.startsWith('portal.upload.')).length"
        )
        == 0
    )
