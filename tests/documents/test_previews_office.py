"""Office files: converted to PDF by the real LibreOffice (headless, its own profile, no
network, killed on timeout), then previewed as a PDF; a server without LibreOffice says
so; zip bombs are refused before LibreOffice sees them."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation
from pypdf import PdfReader

from documents.models import Preview
from documents.previews_render import office_converter
from documents.services.previews import preview_make
from documents.services.previews_serving import preview_get
from portal.storage import get_storage
from portal.storage.api.views import content_disposition
from tests.documents.previews_support import (
    add_version,
    celery_eager,
    docx,
    fetch,
    make_scene,
    zip_bomb_docx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def libreoffice() -> None:
    """These tests need the real LibreOffice: without it they fail (never skip), as the
    browser tests do without Chromium. `make test` installs it (`make office-deps`)."""
    if office_converter() is None:
        pytest.fail("LibreOffice is missing: run make office-deps", pytrace=False)


needs_libreoffice = pytest.mark.usefixtures("libreoffice")


@pytest.fixture
def eager_celery():
    with celery_eager():
        yield


@pytest.fixture
def scene(db):
    return make_scene()


def _conversions_running() -> list[str]:
    """Command lines of LibreOffice processes started for previews (their profile lives
    in a ``portal-preview-`` directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "portal-preview-" in command and "UserInstallation" in command:
            found.append(command)
    return found


@needs_libreoffice
def test_a_docx_is_converted_by_libreoffice_and_previewed_with_its_pdf_served(
    scene, eager_celery, django_capture_on_commit_callbacks
):
    paragraphs = ["Служебная записка", "О подготовке отчёта за третий квартал"]
    with django_capture_on_commit_callbacks(execute=True):
        version = add_version(scene.document, docx(paragraphs), filename="Записка.docx")
    preview = Preview.objects.get(version=version)
    assert (preview.status, preview.reason) == (Preview.Status.READY, "")
    assert preview.page_count == 1 and len(preview.page_keys) == 1 and preview.thumbnail_key
    with get_storage().get(preview.pdf_key) as reader:
        converted = PdfReader(io.BytesIO(reader.read()))
    assert "О подготовке отчёта" in converted.pages[0].extract_text()

    response = scene.c["viewer"].get(
        f"/api/v1/documents/{scene.document.pk}/versions/{version.pk}/pdf"
    )
    assert response.status_code == 200, response.content
    got, body = fetch(scene.c["viewer"], response.json()["url"])
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"] == content_disposition("Записка.pdf", "application/pdf")
    assert "Служебная записка" in PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert _conversions_running() == []


def test_without_libreoffice_the_preview_is_unavailable_and_says_why(scene):
    version = add_version(scene.document, docx(["Текст"]), filename="Письмо.docx", signal=False)
    with override_settings(OFFICE_CONVERTER="no-such-libreoffice-here"):
        assert preview_make(version_id=version.pk) == "unavailable"
    preview = Preview.objects.get(version=version)
    assert (preview.status, preview.reason) == (Preview.Status.UNAVAILABLE, "libreoffice_missing")
    with translation.override("en"):
        state = preview_get(actor=scene.viewer, document_id=scene.document.pk,
                            version_id=version.pk)  # fmt: skip
    assert state.status == "unavailable"
    assert state.reason == "LibreOffice is not installed on the server."
    assert (state.thumbnail_url, state.pages) == (None, [])


def test_a_zip_bomb_named_docx_is_refused_before_libreoffice_opens_it(scene):
    bomb = zip_bomb_docx(64 * 1024 * 1024)
    assert len(bomb) < 200_000
    version = add_version(scene.document, bomb, filename="Договор.docx", signal=False)
    assert version.content_type.endswith("wordprocessingml.document")
    started = time.monotonic()
    with override_settings(OFFICE_MAX_UNPACKED_BYTES=16 * 1024 * 1024):
        assert preview_make(version_id=version.pk) == "failed"
    assert time.monotonic() - started < 30
    preview = Preview.objects.get(version=version)
    assert preview.reason == "office_unpacks_too_large"
    assert _conversions_running() == []


@needs_libreoffice
def test_a_truncated_docx_fails_with_a_reason(scene):
    """Cut off before the zip's directory: still detected as Word by its first entries,
    not a zip any more, and LibreOffice makes nothing of it."""
    data = docx(["Текст", "Ещё текст"])[:700]
    version = add_version(scene.document, data, filename="Обрезанный.docx", signal=False)
    assert version.content_type.endswith("wordprocessingml.document")
    assert preview_make(version_id=version.pk) == "failed"
    assert Preview.objects.get(version=version).reason == "office_failed"
    assert _conversions_running() == []


def test_a_docx_whose_entries_are_damaged_fails_as_damaged(scene):
    data = bytearray(docx(["Текст", "Ещё текст"]))
    start = data.index(b"word/document.xml") + len("word/document.xml")
    data[start : start + 40] = b"\xff" * 40  # the body's compressed bytes: CRC and inflate fail
    version = add_version(scene.document, bytes(data), filename="Битый.docx", signal=False)
    assert version.content_type.endswith("wordprocessingml.document")
    assert preview_make(version_id=version.pk) == "failed"
    assert Preview.objects.get(version=version).reason == "office_damaged"


@needs_libreoffice
def test_a_conversion_over_its_time_is_killed_with_everything_it_started(scene):
    version = add_version(scene.document, docx(["Долго"]), filename="Долгий.docx", signal=False)
    with override_settings(OFFICE_CONVERT_TIMEOUT=0.3):
        assert preview_make(version_id=version.pk) == "failed"
    assert Preview.objects.get(version=version).reason == "office_timeout"
    assert _conversions_running() == []
