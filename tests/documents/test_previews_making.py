"""Making previews: a new version queues the Celery task after commit; images, PDFs and
bad files of every kind end in a final status with a reason, never an exception; who is
told when a preview is ready."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import override_settings
from PIL import Image

from documents.models import Preview, Role, Version
from documents.services.previews import preview_make, preview_schedule
from documents.tasks import make_preview, sweep_previews
from portal import clock
from portal.storage import get_storage
from portal.storage.exceptions import ObjectNotFound
from tests.documents.previews_support import (
    add_version,
    celery_eager,
    corrupt_png,
    encrypted_pdf,
    huge_png,
    make_document,
    make_scene,
    pdf,
    png,
    share,
)
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.factories.documents import make_document as upload_document
from tests.helpers import outside_a_request
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery():
    with celery_eager():
        yield


@pytest.fixture
def scene(db):
    return make_scene()


def stored(key: str) -> bytes:
    with get_storage().get(key) as reader:
        return reader.read()


def made(scene_, data: bytes, filename: str, capture) -> Preview:
    """Add a version and run what its commit queues (the task, eagerly)."""
    with capture(execute=True):
        version = add_version(scene_.document, data, filename=filename)
    return Preview.objects.get(version=version)


def test_an_image_gets_a_thumbnail_and_a_preview_and_everyone_who_sees_it_is_told(
    scene, eager_celery, django_capture_on_commit_callbacks
):
    department = DepartmentFactory.create(agency=scene.owner.agency)
    colleague = UserFactory.create(login="colleague", department=department)
    left = UserFactory.create(login="left-department", department=department, is_active=False)
    scene.document.shares.create(role=Role.COMMENTER, department=department,
                                 created_at=clock.now())  # fmt: skip
    with capture_events() as captured:
        preview = made(scene, png(2000, 1500), "Схема.png", django_capture_on_commit_callbacks)

    assert preview.status == Preview.Status.READY
    assert (preview.reason, preview.page_count, preview.pdf_key) == ("", None, "")
    assert preview.made_at is not None and preview.started_at is not None
    thumbnail = Image.open(io.BytesIO(stored(preview.thumbnail_key)))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (320, 240))
    [page_key] = preview.page_keys
    page = Image.open(io.BytesIO(stored(page_key)))
    assert (page.format, page.size) == ("WEBP", (1600, 1200))
    assert page.convert("RGB").getpixel((10, 10)) == pytest.approx((20, 60, 160), abs=8)
    version = preview.version
    assert page_key == f"document-previews/{version.document_id}/{version.pk}/page-1.webp"

    [(event, recipients)] = captured.of_type("document_preview")
    assert event == {
        "type": "document_preview", "op": "update", "document_id": str(scene.document.pk),
        "version_id": str(version.pk), "status": "ready",
    }  # fmt: skip
    # The owner (folder and creator), the viewer's share, the department share's active
    # members; not the outsider, not a deactivated member.
    assert recipients == {str(scene.owner.pk), str(scene.viewer.pk), str(colleague.pk)}
    assert str(left.pk) not in recipients


def test_a_pdf_gets_its_first_pages_and_its_page_count(
    scene, eager_celery, django_capture_on_commit_callbacks
):
    with override_settings(PREVIEW_PDF_PAGES=2):
        preview = made(scene, pdf(7), "Доклад.pdf", django_capture_on_commit_callbacks)
    assert preview.status == Preview.Status.READY
    assert preview.page_count == 7
    assert len(preview.page_keys) == 2
    first = Image.open(io.BytesIO(stored(preview.page_keys[0])))
    # A4 (595 × 842 pt) drawn 1600 px high.
    assert first.format == "WEBP" and first.size[1] == 1600 and 1125 <= first.size[0] <= 1132
    assert Image.open(io.BytesIO(stored(preview.thumbnail_key))).size[1] == 320
    assert first.getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (corrupt_png(), "битая.png", "image_damaged"),
        (huge_png(), "бомба.png", "too_many_pixels"),
        (huge_png(6000, 6000), "большая.png", "too_many_pixels"),
        (pdf(3)[:700], "обрезанный.pdf", "pdf_damaged"),
        (encrypted_pdf(), "секретный.pdf", "pdf_encrypted"),
    ],
    ids=["corrupt-image", "decompression-bomb", "over-25-megapixels", "truncated", "encrypted"],
)
def test_bad_files_end_failed_with_a_reason(
    scene, eager_celery, django_capture_on_commit_callbacks, data, filename, reason
):
    with capture_events() as captured:
        preview = made(scene, data, filename, django_capture_on_commit_callbacks)
    assert (preview.status, preview.reason) == (Preview.Status.FAILED, reason)
    assert (preview.thumbnail_key, preview.page_keys) == ("", [])
    [(event, _)] = captured.of_type("document_preview")
    assert event["status"] == "failed"


def test_a_type_without_previews_is_unsupported_at_once_without_a_task(
    scene, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        version = add_version(scene.document, "Просто текст\n".encode(), filename="заметка.txt")
    assert callbacks == []
    preview = Preview.objects.get(version=version)
    assert (preview.status, preview.reason) == (Preview.Status.UNSUPPORTED, "unsupported_type")
    assert make_preview(str(version.pk)) is None  # final: nothing to do


def test_a_file_over_the_preview_limit_fails_at_once(scene, django_capture_on_commit_callbacks):
    data = png(64, 64)
    with (
        override_settings(PREVIEW_MAX_BYTES=len(data) - 1),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        version = add_version(scene.document, data, filename="большой.png")
    assert callbacks == []
    preview = Preview.objects.get(version=version)
    assert (preview.status, preview.reason) == (Preview.Status.FAILED, "too_large")


def test_a_task_killed_midway_is_not_run_again_forever(scene):
    """A worker killed while making a preview (hard time limit, out of memory) leaves it
    started; the redelivered task marks it interrupted instead of trying again."""
    version = add_version(scene.document, png(64, 64), filename="фото.png", signal=False)
    preview_schedule(version=version)
    Preview.objects.filter(version=version).update(started_at=clock.now())
    with capture_events() as captured:
        assert make_preview(str(version.pk)) == "failed"
    preview = Preview.objects.get(version=version)
    assert (preview.status, preview.reason) == (Preview.Status.FAILED, "interrupted")
    [(event, _)] = captured.of_type("document_preview")
    assert event["status"] == "failed"
    assert make_preview(str(version.pk)) is None


def test_making_a_preview_twice_makes_it_once_and_unknown_versions_are_ignored(scene):
    version = add_version(scene.document, png(64, 64), filename="фото.png", signal=False)
    assert preview_make(version_id=version.pk) == "ready"
    first = Preview.objects.get(version=version)
    assert preview_make(version_id=version.pk) is None
    assert Preview.objects.get(version=version).made_at == first.made_at
    assert preview_make(version_id="00000000-0000-0000-0000-000000000000") is None
    assert preview_make(version_id="not-a-uuid") is None


def test_a_stored_object_gone_missing_fails_the_preview(scene):
    version = add_version(scene.document, png(64, 64), filename="фото.png", signal=False)
    get_storage().delete(version.key)
    assert preview_make(version_id=version.pk) == "failed"
    assert Preview.objects.get(version=version).reason == "file_missing"


def test_deleting_a_version_deletes_its_preview_objects_after_commit(
    scene, django_capture_on_commit_callbacks
):
    version = add_version(scene.document, pdf(2), filename="Доклад.pdf", signal=False)
    preview_make(version_id=version.pk)
    preview = Preview.objects.get(version=version)
    keys = [preview.thumbnail_key, *preview.page_keys]
    assert len(keys) == 3
    with django_capture_on_commit_callbacks(execute=True):
        Version.objects.filter(pk=version.pk).delete()
    for key in keys:
        with pytest.raises(ObjectNotFound):
            get_storage().stat(key)


def test_a_preview_of_a_document_in_the_bin_is_made_but_announced_to_nobody(scene):
    version = add_version(scene.document, png(64, 64), filename="фото.png", signal=False)
    scene.document.__class__.objects.filter(pk=scene.document.pk).update(deleted_at=clock.now())
    with capture_events() as captured:
        assert preview_make(version_id=version.pk) == "ready"
    assert captured.of_type("document_preview") == []


@outside_a_request
def test_the_whole_way_from_the_new_version_to_the_ready_event(eager_celery):
    """No test transaction: the version commits, on_commit queues the real task (eager,
    as in embedded mode), the preview is made and its event published."""
    owner = UserFactory.create(login="owner2")
    viewer = UserFactory.create(login="viewer2", agency=owner.agency)
    document = make_document(owner, name="Фото объекта")
    share(document, viewer, Role.VIEWER)
    with capture_events() as captured:
        version = add_version(document, png(800, 600), filename="объект.png")
    preview = Preview.objects.get(version=version)
    assert preview.status == Preview.Status.READY
    [(event, recipients)] = captured.of_type("document_preview")
    assert event["version_id"] == str(version.pk)
    assert recipients == {str(owner.pk), str(viewer.pk)}


def test_the_sweep_queues_again_a_lost_task_and_gives_up_on_a_dead_one(
    scene, eager_celery, django_capture_on_commit_callbacks
):
    lost = add_version(scene.document, png(64, 64), filename="потерянный.png", signal=False)
    dead = add_version(scene.document, png(64, 64), filename="упавший.png", signal=False)
    fresh = add_version(scene.document, png(64, 64), filename="свежий.png", signal=False)
    now = clock.now()
    with django_capture_on_commit_callbacks():  # queued, but the broker "loses" them
        for version in (lost, dead, fresh):
            preview_schedule(version=version)
    Preview.objects.filter(version=lost).update(queued_at=now - dt.timedelta(minutes=11))
    Preview.objects.filter(version=dead).update(
        queued_at=now - dt.timedelta(hours=1), started_at=now - dt.timedelta(minutes=30)
    )
    with capture_events() as captured, django_capture_on_commit_callbacks(execute=True):
        assert sweep_previews() == 2
    statuses = dict(Preview.objects.values_list("version_id", "status"))
    assert statuses == {lost.pk: "ready", dead.pk: "failed", fresh.pk: "pending"}
    assert Preview.objects.get(version=dead).reason == "interrupted"
    assert sorted(e["status"] for e, _ in captured.of_type("document_preview")) == [
        "failed", "ready",
    ]  # fmt: skip
    assert sweep_previews() == 0


def test_an_upload_through_the_files_part_gets_its_preview(
    eager_celery, django_capture_on_commit_callbacks
):
    """The real path: ``document_upload`` → ``version_add`` → ``version_created`` → the
    preview task after commit, its event to the uploader."""
    owner = UserFactory.create(login="uploader")
    with capture_events() as captured, django_capture_on_commit_callbacks(execute=True):
        document = upload_document(owner, data=pdf(2), filename="Протокол.pdf")
    preview = Preview.objects.get(version=document.current_version)
    assert (preview.status, preview.page_count, len(preview.page_keys)) == ("ready", 2, 2)
    [(event, recipients)] = captured.of_type("document_preview")
    assert event["document_id"] == str(document.pk) and recipients == {str(owner.pk)}
