"""Making a failed preview again (POST …/preview/retry): only one that failed for a passing
reason; it is pending once more and its task makes it; anything else is refused with 409
and stays as it was; who may not see the document gets 404."""

from __future__ import annotations

import pytest
from django.test import override_settings

from documents.models import Preview
from documents.services.previews import preview_make, preview_schedule
from documents.tasks import make_preview
from portal import clock
from tests.documents.previews_support import add_version, docx, make_scene, png
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(db):
    return make_scene()


def _path(version, suffix: str = "") -> str:
    return f"/api/v1/documents/{version.document_id}/versions/{version.pk}/preview{suffix}"


def _interrupted(scene):
    version = add_version(scene.document, png(64, 64), filename="фото.png", signal=False)
    preview_schedule(version=version)
    Preview.objects.filter(version=version).update(started_at=clock.now())
    assert make_preview(str(version.pk)) == "failed"  # a worker died midway: given up
    return version


def test_an_interrupted_preview_says_why_and_is_made_again_on_retry(scene):
    version = _interrupted(scene)
    state = scene.c["viewer"].get(_path(version)).json()
    assert (state["status"], state["reason_code"], state["retryable"]) == (
        "failed", "interrupted", True,
    )  # fmt: skip
    assert state["reason"]

    response = scene.c["viewer"].post(_path(version, "/retry"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["retryable"] is False
    preview = Preview.objects.get(version=version)
    assert (preview.status, preview.reason, preview.started_at) == ("pending", "", None)
    assert preview.queued_at is not None

    # The queued task makes it now, announced as for a new version.
    with capture_events() as captured:
        assert make_preview(str(version.pk)) == "ready"
    [(event, _users)] = captured.of_type("document_preview")
    assert event["status"] == "ready"
    assert scene.c["viewer"].get(_path(version)).json()["pages"]


def test_without_libreoffice_retry_is_offered_and_works_once_it_is_installed(scene):
    version = add_version(scene.document, docx(["Текст"]), filename="Письмо.docx", signal=False)
    with override_settings(OFFICE_CONVERTER="no-such-libreoffice-here"):
        assert preview_make(version_id=version.pk) == "unavailable"
    state = scene.c["owner"].get(_path(version)).json()
    assert (state["status"], state["retryable"]) == ("unavailable", True)
    assert scene.c["owner"].post(_path(version, "/retry")).json()["status"] == "pending"


def test_a_pending_a_ready_and_a_damaged_preview_are_not_made_again(scene):
    pending = add_version(scene.document, png(64, 64), filename="ждёт.png", signal=False)
    preview_schedule(version=pending)
    error = assert_api_error(scene.c["owner"].post(_path(pending, "/retry")), 409,
                             "preview_not_retryable")  # fmt: skip
    assert error["details"] == {"reason_code": ""}

    ready = add_version(scene.document, png(64, 64), filename="готово.png", signal=False)
    assert preview_make(version_id=ready.pk) == "ready"
    assert_api_error(scene.c["owner"].post(_path(ready, "/retry")), 409, "preview_not_retryable")

    damaged = add_version(scene.document, png(64, 64)[:80], filename="битое.png", signal=False)
    assert preview_make(version_id=damaged.pk) == "failed"
    state = scene.c["owner"].get(_path(damaged)).json()
    assert (state["reason_code"], state["retryable"]) == ("image_damaged", False)
    error = assert_api_error(scene.c["owner"].post(_path(damaged, "/retry")), 409,
                             "preview_not_retryable")  # fmt: skip
    assert error["details"] == {"reason_code": "image_damaged"}
    assert Preview.objects.get(version=damaged).status == "failed"


def test_anonymous_401_and_outsider_404_change_nothing(scene):
    version = _interrupted(scene)
    assert_api_error(api_client().post(_path(version, "/retry")), 401, "not_authenticated")
    assert_api_error(scene.c["outsider"].post(_path(version, "/retry")), 404, "document_not_found")
    assert Preview.objects.get(version=version).reason == "interrupted"
