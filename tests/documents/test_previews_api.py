"""The previews endpoints: who may ask (anonymous 401, outsider 404, any role 200), what
they answer in each state, and links that stop working as soon as access is gone."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from documents.models import Preview, Role
from documents.services.previews import preview_make
from tests.documents.previews_support import (
    add_version,
    celery_eager,
    docx,
    fetch,
    make_document,
    make_scene,
    pdf,
    png,
)
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery():
    with celery_eager():
        yield


@pytest.fixture
def scene(db):
    return make_scene()


def preview_path(document_id, version_id) -> str:
    return f"/api/v1/documents/{document_id}/versions/{version_id}/preview"


def pdf_path(document_id, version_id) -> str:
    return f"/api/v1/documents/{document_id}/versions/{version_id}/pdf"


@pytest.fixture
def ready_png(scene):
    version = add_version(scene.document, png(900, 600), filename="План этажа.png", signal=False)
    assert preview_make(version_id=version.pk) == "ready"
    return version


@pytest.mark.parametrize("endpoint", [preview_path, pdf_path], ids=["preview", "pdf"])
def test_anonymous_401_outsider_404_and_another_documents_version_404(scene, ready_png, endpoint):
    path = endpoint(scene.document.pk, ready_png.pk)
    assert_api_error(api_client().get(path), 401, "not_authenticated")
    assert_api_error(scene.c["outsider"].get(path), 404, "document_not_found")
    other = make_document(scene.viewer, name="Чужой")
    assert_api_error(
        scene.c["viewer"].get(endpoint(other.pk, ready_png.pk)), 404, "version_not_found"
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert_api_error(
        scene.c["viewer"].get(endpoint(scene.document.pk, missing)), 404, "version_not_found"
    )


def test_a_viewer_gets_the_ready_preview_with_links_for_them_only(scene, ready_png):
    response = scene.c["viewer"].get(preview_path(scene.document.pk, ready_png.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("status", "reason_code", "reason", "page_count")} == {
        "status": "ready", "reason_code": "", "reason": "", "page_count": None,
    }  # fmt: skip
    [page] = body["pages"]
    assert page["number"] == 1
    assert page["url"].startswith("http://testserver/api/v1/files/")

    got, data = fetch(scene.c["viewer"], body["thumbnail_url"])
    assert got.status_code == 200 and got["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(data)).size == (320, 213)
    got, data = fetch(scene.c["viewer"], page["url"])
    assert got.status_code == 200
    assert Image.open(io.BytesIO(data)).size == (900, 600)  # never enlarged
    # The link is the viewer's: not the owner's, not the outsider's.
    assert_api_error(scene.c["owner"].get(page["url"]), 404, "file_not_found")
    assert_api_error(scene.c["outsider"].get(page["url"]), 404, "file_not_found")


def test_a_link_stops_working_when_the_share_is_revoked(scene, ready_png):
    body = scene.c["viewer"].get(preview_path(scene.document.pk, ready_png.pk)).json()
    scene.document.shares.filter(user=scene.viewer).delete()
    assert_api_error(scene.c["viewer"].get(body["pages"][0]["url"]), 404, "file_not_found")
    assert_api_error(
        scene.c["viewer"].get(preview_path(scene.document.pk, ready_png.pk)),
        404, "document_not_found",
    )  # fmt: skip


def test_every_role_may_see_the_preview(scene, ready_png):
    for role in (Role.COMMENTER, Role.EDITOR, Role.OWNER):
        scene.document.shares.filter(user=scene.viewer).update(role=role)
        response = scene.c["viewer"].get(preview_path(scene.document.pk, ready_png.pk))
        assert response.status_code == 200, (role, response.content)


def test_a_version_without_a_preview_gets_one_when_asked(
    scene, eager_celery, django_capture_on_commit_callbacks
):
    """A version made before previews existed (no row, no task): asking makes the row and
    queues the task; asking again once it ran shows it ready."""
    version = add_version(scene.document, pdf(2), filename="Старый.pdf", signal=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = scene.c["viewer"].get(preview_path(scene.document.pk, version.pk))
    assert first.status_code == 200
    assert first.json() == {
        "status": "pending", "reason_code": "", "reason": "", "page_count": None,
        "thumbnail_url": None, "pages": [], "retryable": False,
    }  # fmt: skip
    assert Preview.objects.get(version=version).status == "ready"
    second = scene.c["viewer"].get(preview_path(scene.document.pk, version.pk)).json()
    assert second["status"] == "ready" and second["page_count"] == 2
    assert [p["number"] for p in second["pages"]] == [1, 2]


def test_a_failed_preview_says_why_in_russian_by_default(scene):
    version = add_version(scene.document, pdf(2)[:600], filename="Битый.pdf", signal=False)
    preview_make(version_id=version.pk)
    body = scene.c["viewer"].get(preview_path(scene.document.pk, version.pk)).json()
    assert (body["status"], body["reason_code"]) == ("failed", "pdf_damaged")
    assert body["reason"] == "PDF-файл повреждён."
    # in the language the viewer chose (a signed-in user's own setting wins)
    scene.c["viewer"].patch("/api/v1/me", {"language": "en"}, format="json")
    english = scene.c["viewer"].get(preview_path(scene.document.pk, version.pk))
    assert english.json()["reason"] == "The PDF is damaged."


def test_the_pdf_of_a_pdf_version_is_the_file_itself(scene):
    data = pdf(3)
    version = add_version(scene.document, data, filename="Доклад.pdf", signal=False)
    response = scene.c["viewer"].get(pdf_path(scene.document.pk, version.pk))
    assert response.status_code == 200, response.content
    got, body = fetch(scene.c["viewer"], response.json()["url"])
    assert got.status_code == 200 and body == data
    assert got["Accept-Ranges"] == "bytes"  # not watermarked: served as stored


def test_no_pdf_for_an_image_and_not_yet_for_an_office_file_being_converted(scene, ready_png):
    assert_api_error(
        scene.c["viewer"].get(pdf_path(scene.document.pk, ready_png.pk)), 404, "pdf_not_available"
    )
    office = add_version(scene.document, docx(["Текст"]), filename="Письмо.docx")
    assert_api_error(
        scene.c["viewer"].get(pdf_path(scene.document.pk, office.pk)), 409, "preview_not_ready"
    )
