"""The agency's watermark: with it on, preview images and PDFs are stamped for each viewer
when served (their name in the pixels, and in a PDF's text layer), the stored files stay
clean, too-large and locked PDFs are refused; the switch is an audited policy in admin."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client, override_settings
from PIL import Image, ImageChops
from pypdf import PdfReader

from documents.models import DocumentPolicy, Preview
from documents.services.previews import document_policy_set, preview_make, watermark_on
from documents.watermark import watermark_text
from portal import clock
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from portal.storage import get_storage
from tests.documents.previews_support import (
    add_version,
    encrypted_pdf,
    fetch,
    make_scene,
    pdf,
    png,
)
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers import outside_a_request
from tests.helpers.api import assert_api_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(db):
    return make_scene()


def watermark(scene, on: bool = True) -> None:
    document_policy_set(actor=scene.owner, agency=scene.owner.agency, watermark=on,
                        context=RequestContext.system())  # fmt: skip


def page_link(scene, version, user="viewer") -> str:
    path = f"/api/v1/documents/{scene.document.pk}/versions/{version.pk}/preview"
    return scene.c[user].get(path).json()["pages"][0]["url"]


def pdf_link(scene, version, user="viewer"):
    return scene.c[user].get(f"/api/v1/documents/{scene.document.pk}/versions/{version.pk}/pdf")


def stored(key: str) -> bytes:
    with get_storage().get(key) as reader:
        return reader.read()


def test_with_the_watermark_on_a_preview_image_is_stamped_for_its_viewer(scene):
    version = add_version(scene.document, png(1600, 1000), filename="Схема.png", signal=False)
    preview_make(version_id=version.pk)
    [page_key] = Preview.objects.get(version=version).page_keys
    clean = stored(page_key)

    _, served_off = fetch(scene.c["viewer"], page_link(scene, version))
    assert served_off == clean

    watermark(scene)
    got, served = fetch(scene.c["viewer"], page_link(scene, version))
    assert got.status_code == 200 and got["Content-Type"] == "image/webp"
    assert got["Accept-Ranges"] == "none" and "ETag" not in got
    stamped = Image.open(io.BytesIO(served)).convert("RGB")
    original = Image.open(io.BytesIO(clean)).convert("RGB")
    assert stamped.size == original.size
    difference = ImageChops.difference(stamped, original).convert("L").point(lambda v: v > 24)
    changed = difference.histogram()[1] / (stamped.width * stamped.height)
    # Text in rows across the whole picture: a few percent of the pixels, in every part of it.
    assert 0.01 < changed < 0.5, changed
    for box in [(0, 0, 800, 500), (800, 0, 1600, 500), (0, 500, 800, 1000), (800, 500, 1600, 1000)]:
        assert difference.crop(box).getbbox() is not None, box
    # Semi-transparent: what is underneath still shows through.
    assert stamped.getpixel((10, 10)) != (255, 255, 255)
    assert stored(page_key) == clean  # the stored preview stays clean

    # Another viewer's copy carries their name: a different image.
    _, owners = fetch(scene.c["owner"], page_link(scene, version, "owner"))
    assert owners != served


def test_the_watermark_names_the_viewer_and_the_time(scene):
    at = dt.datetime(2026, 12, 3, 11, 5, tzinfo=dt.UTC)
    with clock.frozen(at):
        text = watermark_text(scene.viewer)
    assert text == "Кузнецов Игорь Андреевич (viewer) · 03.12.2026 14:05"  # Moscow time


def test_with_the_watermark_on_a_pdf_download_has_the_viewers_name_on_every_page(scene):
    data = pdf(3, text="Совершенно секретно")
    version = add_version(scene.document, data, filename="Доклад.pdf", signal=False)
    watermark(scene)
    response = pdf_link(scene, version)
    assert response.status_code == 200, response.content
    got, body = fetch(scene.c["viewer"], response.json()["url"])
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert int(got["Content-Length"]) == len(body)
    stamped = PdfReader(io.BytesIO(body))
    assert len(stamped.pages) == 3
    for number, page in enumerate(stamped.pages, start=1):
        text = page.extract_text()
        assert f"Совершенно секретно {number}" in text
        assert "Кузнецов Игорь Андреевич (viewer)" in text
    assert stored(version.key) == data


def test_the_versions_own_download_link_is_stamped_too(scene):
    """The files part's link (``…/versions/{vid}/link``) serves a PDF stamped for its
    viewer while the watermark is on, and as stored once it is off."""
    data = pdf(2, text="Для служебного пользования")
    version = add_version(scene.document, data, filename="Доклад.pdf", signal=False)
    link = f"/api/v1/documents/{scene.document.pk}/versions/{version.pk}/link"
    watermark(scene)
    _, body = fetch(scene.c["viewer"], scene.c["viewer"].get(link).json()["url"])
    pages = PdfReader(io.BytesIO(body)).pages
    assert all("Кузнецов Игорь Андреевич (viewer)" in page.extract_text() for page in pages)
    watermark(scene, on=False)
    _, body = fetch(scene.c["viewer"], scene.c["viewer"].get(link).json()["url"])
    assert body == data


def test_switching_the_watermark_off_serves_the_pdf_as_stored_again(scene):
    data = pdf(1)
    version = add_version(scene.document, data, filename="Доклад.pdf", signal=False)
    watermark(scene)
    url = pdf_link(scene, version).json()["url"]
    watermark(scene, on=False)
    _, body = fetch(scene.c["viewer"], url)  # the policy at use, not at link time, decides
    assert body == data


def test_a_pdf_over_the_stamping_limit_is_refused_with_the_watermark_on_only(scene):
    data = pdf(2)
    version = add_version(scene.document, data, filename="Большой.pdf", signal=False)
    with override_settings(WATERMARK_PDF_MAX_BYTES=len(data) - 1):
        assert pdf_link(scene, version).status_code == 200
        watermark(scene)
        error = assert_api_error(pdf_link(scene, version), 409, "pdf_too_large_to_watermark")
        assert error["details"] == {"limit_bytes": len(data) - 1}


def test_a_password_protected_pdf_cannot_be_stamped_so_it_is_refused(scene):
    version = add_version(scene.document, encrypted_pdf(), filename="Закрытый.pdf", signal=False)
    watermark(scene)
    url = pdf_link(scene, version).json()["url"]
    assert_api_error(scene.c["viewer"].get(url), 409, "pdf_cannot_be_watermarked")


def test_the_policy_is_per_agency_and_audited(scene):
    other = UserFactory.create(login="elsewhere")
    watermark(scene)
    assert watermark_on(scene.owner.agency_id) and not watermark_on(other.agency_id)
    policy = DocumentPolicy.objects.get(agency=scene.owner.agency)
    assert policy.watermark is True
    event = AuditEvent.objects.filter(action="document_policy.changed").latest("id")
    assert event.details == {"watermark": True, "watermark_before": False}
    assert event.actor_id == scene.owner.pk


@outside_a_request
def test_it_django_admin_switches_the_watermark_through_the_service(scene):
    it = UserFactory.create(login="it-admin", agency=scene.owner.agency, is_staff=True,
                            is_superuser=True)  # fmt: skip
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=it.login, password=DEFAULT_PASSWORD)
    response = client.post(
        "/admin/documents/documentpolicy/add/",
        {"agency": str(scene.owner.agency.pk), "watermark": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert watermark_on(scene.owner.agency_id)
    event = AuditEvent.objects.filter(action="document_policy.changed").latest("id")
    assert event.actor_id == it.pk
    assert client.get("/admin/documents/documentpolicy/").status_code == 200
