"""Attachments in the browser: an upload with its progress, a download byte-identical to
what was uploaded (from the S3 backend, through a same-origin Portal link), a file over the
server's limit refused before any upload, a refused type explained, image thumbnails that
appear live and the lightbox."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page, expect

from messaging.models import Attachment
from messaging.services import message_send
from messaging.services.attachments import attachment_thumbnail_make, attachment_upload
from tests.browser.actions import off_loop
from tests.browser.harness import BrowserSession, assert_accessible, make_group, shot
from tests.factories.accounts import UserFactory

FILE_INPUT = '[data-testid="composer"] input[type="file"]'
UPLOAD = '[data-testid="upload"]'
# Chromium logs every 4xx answer as a console error: the refused upload below asks for one.
UPLOAD_400 = r"status of 400 .*/api/v1/conversations/[0-9a-f-]+/attachments\]"


def _people() -> tuple[Any, Any, Any]:
    alice = UserFactory.create(login="alice", last_name="Смирнова", first_name="Алиса")
    bob = UserFactory.create(login="bob", last_name="Петров", first_name="Борис")
    return alice, bob, make_group(alice, bob, title="Документы")


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


def _png(colour: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def test_upload_shows_progress_and_the_download_is_byte_identical(
    page_for: BrowserSession, tmp_path: Path
) -> None:
    alice, bob, group = _people()
    data = b"%PDF-1.4\n" + os.urandom(600 * 1024) + b"\n%%EOF\n"
    alices = page_for(alice)
    alices.goto(f"/c/{group.pk}")
    _throttle_uploads(alices, 150 * 1024)
    alices.locator(FILE_INPUT).set_input_files(
        {"name": "Отчёт за ноябрь.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    upload = alices.locator(UPLOAD)
    expect(upload).to_have_attribute("data-status", "uploading")
    progress = upload.locator('[data-testid="upload-progress"]')
    expect(progress).to_be_visible()
    # The bar moves while the bytes go (not only 0 and done).
    alices.wait_for_function(
        """() => { const p = document.querySelector('[data-testid="upload-progress"]');
                   return p && p.value > 5 && p.value < 100; }"""
    )
    expect(upload).to_contain_text("Отчёт за ноябрь.pdf")
    shot(alices, "uploading")
    assert_accessible(alices)
    expect(upload).to_have_attribute("data-status", "done", timeout=20_000)
    _throttle_uploads(alices, None)
    alices.locator('[data-testid="composer-input"]').fill("Отчёт во вложении")
    alices.locator('[data-testid="send"]').click()
    expect(alices.locator(UPLOAD)).to_have_count(0)

    bobs = page_for(bob)
    fetched: list[str] = []
    bobs.on("request", lambda r: fetched.append(r.url) if "/api/v1/files/" in r.url else None)
    bobs.goto(f"/c/{group.pk}")
    row = bobs.locator('[data-testid="attachment-file"]', has_text="Отчёт за ноябрь.pdf")
    expect(row).to_be_visible()
    expect(row).to_contain_text("КБ")
    shot(bobs, "received")
    assert_accessible(bobs)
    with bobs.expect_download() as info:
        row.locator('[data-testid="attachment-download"]').click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "Отчёт за ноябрь.pdf"
    # The bytes came through a Portal link (from the S3 backend behind it), not from S3.
    files = page_for.server.origin + "/api/v1/files/"
    assert fetched and all(url.startswith(files) for url in fetched)
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_file_over_the_limit_is_refused_before_any_upload(
    page_for: BrowserSession, tmp_path: Path
) -> None:
    alice, _, group = _people()
    # Sparse: 100 MiB and one byte over the default MAX_UPLOAD_BYTES, taking no disk.
    big = tmp_path / "архив.zip"
    with big.open("wb") as out:
        out.truncate(100 * 1024 * 1024 + 1)
    page = page_for(alice)
    posted: list[str] = []
    page.on(
        "request",
        lambda r: posted.append(r.url) if r.method == "POST" and "/attachments" in r.url else None,
    )
    page.goto(f"/c/{group.pk}")
    expect(page.locator('[data-testid="app-shell"]')).to_be_visible()
    page.locator(FILE_INPUT).set_input_files(big)
    error = page.locator(UPLOAD).locator('[data-testid="upload-error"]')
    expect(error).to_have_text("Файл больше 100 МБ: такие файлы сервер не принимает.")
    expect(page.locator(UPLOAD)).to_have_attribute("data-status", "failed")
    shot(page, "refused")
    assert_accessible(page)
    assert posted == []
    page.locator('[data-testid="upload-remove"]').click()
    expect(page.locator(UPLOAD)).to_have_count(0)


def test_a_refused_type_says_why(page_for: BrowserSession) -> None:
    alice, _, group = _people()
    page_for.allow_console_error(UPLOAD_400)
    page = page_for(alice)
    page.goto(f"/c/{group.pk}")
    page.locator(FILE_INPUT).set_input_files(
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 64}
    )
    error = page.locator(UPLOAD).locator('[data-testid="upload-error"]')
    expect(error).to_have_text("Программы, сценарии, ярлыки и установщики отправлять нельзя.")
    shot(page, "type-refused")
    assert Attachment.objects.filter(conversation=group).count() == 0


def test_thumbnails_appear_live_and_open_in_a_lightbox(page_for: BrowserSession) -> None:
    alice, bob, group = _people()
    bobs = page_for(bob)
    bobs.goto(f"/c/{group.pk}")
    expect(bobs.locator('[data-testid="app-shell"]')).to_be_visible()
    uploaded = [
        attachment_upload(
            actor=alice, conversation_id=group.pk, upload=io.BytesIO(_png(colour)), filename=name
        )
        for colour, name in (("#1f5fbf", "стенд.png"), ("#b3261e", "план.png"))
    ]
    off_loop(lambda: message_send(
        actor=alice, conversation_id=group.pk, client_id=str(uuid.uuid4()), body="Фото",
        attachment_ids=[a.pk for a in uploaded],
    ))  # fmt: skip
    # Sent before the thumbnails exist: shown as files first.
    expect(bobs.locator('[data-testid="attachment-file"]')).to_have_count(2)
    for attachment in uploaded:
        assert off_loop(partial(attachment_thumbnail_make, attachment_id=attachment.pk))
    thumbnails = bobs.locator('[data-testid="attachment-thumbnail"]')
    expect(thumbnails).to_have_count(2)
    expect(thumbnails.first.locator("img")).to_have_attribute("alt", "Изображение стенд.png")
    bobs.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="attachment-thumbnail"] img')]
                 .every((img) => img.complete && img.naturalWidth === 320)"""
    )
    shot(bobs, "thumbnails")
    assert_accessible(bobs)

    thumbnails.first.click()
    lightbox = bobs.locator('[data-testid="lightbox"]')
    expect(lightbox).to_be_visible()
    expect(lightbox).to_contain_text("стенд.png")
    expect(lightbox).to_contain_text("1 из 2")
    bobs.wait_for_function(
        """() => { const img = document.querySelector('[data-testid="lightbox"] img');
                   return img && img.complete && img.naturalWidth === 640; }"""
    )
    shot(bobs, "lightbox")
    assert_accessible(bobs)
    bobs.keyboard.press("ArrowRight")
    expect(lightbox).to_contain_text("план.png")
    expect(lightbox).to_contain_text("2 из 2")
    bobs.keyboard.press("ArrowRight")
    expect(lightbox).to_contain_text("1 из 2")
    bobs.keyboard.press("ArrowLeft")
    expect(lightbox).to_contain_text("2 из 2")
    bobs.keyboard.press("Escape")
    expect(lightbox).to_have_count(0)
