"""Resumable uploads over REST against the S3 server: parts, resume after a broken
connection, the hash either way, limits, type detection at part 1, expiry, and two
uploads racing from the same base version."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings

from documents.exceptions import UploadSessionNotFound, VersionConflict
from documents.models import Document, UploadSession, Version
from documents.services import uploads
from documents.services.files import version_upload
from portal import clock
from portal.storage import get_storage
from portal.storage.base import MIN_PART_SIZE
from portal.storage.exceptions import UploadNotFound
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_document, root_of
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db(transaction=True)

PART = MIN_PART_SIZE  # 5 MiB: the smallest part S3 takes


@pytest.fixture
def scene(db):
    owner = UserFactory.create(login="owner")
    outsider = UserFactory.create(login="outsider", agency=owner.agency)
    c = {"owner": api_client(owner), "outsider": api_client(outsider), "anon": api_client()}
    for client in c.values():
        client.default_format = "json"
    return SimpleNamespace(owner=owner, outsider=outsider, c=c, root=root_of(owner))


def start(client, **body):
    return client.post("/api/v1/uploads", body)


def put(client, upload_id, number, data):
    return client.put(
        f"/api/v1/uploads/{upload_id}/parts/{number}", data,
        content_type="application/octet-stream",
    )  # fmt: skip


def download(client, document_id, version_id) -> bytes:
    link = client.get(f"/api/v1/documents/{document_id}/versions/{version_id}/link")
    response = client.get(link.json()["url"])
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@override_settings(DOCUMENT_UPLOAD_PART_BYTES=PART)
def test_large_file_resumes_after_a_broken_part_and_downloads_identical(scene):
    owner = scene.c["owner"]
    data = os.urandom(2 * PART + 12345)
    started = start(owner, folder_id=str(scene.root.pk), name="Архив.zip", size=len(data))
    assert started.status_code == 201, started.content
    session = started.json()
    assert session["part_size"] == PART and session["parts"] == [] and session["size"] == len(data)
    uid = session["id"]
    assert put(owner, uid, 1, data[:PART]).json() == {"number": 1, "size": PART}
    # The connection breaks in the middle of part 2: what arrived is refused, not kept.
    assert_api_error(put(owner, uid, 2, data[PART : PART + 1000]), 400, "upload_part_invalid")
    assert owner.get(f"/api/v1/uploads/{uid}").json()["parts"] == [1]
    assert_api_error(owner.post(f"/api/v1/uploads/{uid}/complete"), 400, "upload_incomplete")
    # The client resumes: it sends what is missing (part 1 again too: it is replaced).
    assert put(owner, uid, 2, data[PART : 2 * PART]).status_code == 200
    assert put(owner, uid, 1, data[:PART]).status_code == 200
    assert put(owner, uid, 3, data[2 * PART :]).json() == {"number": 3, "size": 12345}
    assert owner.get(f"/api/v1/uploads/{uid}").json()["parts"] == [1, 2, 3]
    done = owner.post(f"/api/v1/uploads/{uid}/complete")
    assert done.status_code == 201, done.content
    document = done.json()
    version = document["current_version"]
    assert document["name"] == "Архив.zip" and version["size"] == len(data)
    assert version["sha256"] == hashlib.sha256(data).hexdigest()
    assert download(owner, document["id"], version["id"]) == data
    assert not UploadSession.objects.exists()
    assert_api_error(owner.get(f"/api/v1/uploads/{uid}"), 404, "upload_session_not_found")


@override_settings(DOCUMENT_UPLOAD_PART_BYTES=PART)
@pytest.mark.parametrize("order", [(1, 2), (2, 1)], ids=["in order", "out of order"])
def test_hash_is_right_in_order_and_out_of_order(scene, order):
    data = os.urandom(PART + 777)
    document = make_document(scene.owner, data=b"first", filename="a.bin")
    owner = scene.c["owner"]
    uid = start(owner, document_id=str(document.pk), name="a.bin", size=len(data)).json()["id"]
    pieces = {1: data[:PART], 2: data[PART:]}
    for number in order:
        assert put(owner, uid, number, pieces[number]).status_code == 200
    done = owner.post(f"/api/v1/uploads/{uid}/complete")
    assert done.status_code == 201, done.content
    version = done.json()
    assert version["number"] == 2 and version["sha256"] == hashlib.sha256(data).hexdigest()
    assert str(Document.objects.get(pk=document.pk).current_version_id) == version["id"]
    assert download(owner, str(document.pk), version["id"]) == data


@override_settings(DOCUMENT_UPLOAD_PART_BYTES=PART)
def test_a_part_sent_again_through_another_process_is_what_gets_hashed(scene, monkeypatch):
    """This process hashes parts as they come; if part 2 is then sent again with other
    bytes to another server process (whose running hash is its own), the hash recorded
    at completion here is of the bytes S3 joined, not of the ones this process saw."""
    data = os.urandom(PART + 777)
    owner = scene.c["owner"]
    started = start(owner, folder_id=str(scene.root.pk), name="a.bin", size=len(data))
    uid = started.json()["id"]
    assert put(owner, uid, 1, data[:PART]).status_code == 200
    assert put(owner, uid, 2, b"x" * 777).status_code == 200  # hashed here, in order
    mine = uploads._running
    with monkeypatch.context() as other_process:
        other_process.setattr(uploads, "_running", type(mine)())
        assert put(owner, uid, 2, data[PART:]).status_code == 200
    done = owner.post(f"/api/v1/uploads/{uid}/complete")
    assert done.status_code == 201, done.content
    version = done.json()["current_version"]
    assert version["sha256"] == hashlib.sha256(data).hexdigest()
    assert download(owner, done.json()["id"], version["id"]) == data


def test_declared_size_over_the_limit_is_413_before_any_byte(scene):
    with override_settings(DOCUMENT_MAX_BYTES=10 * PART):
        answer = start(scene.c["owner"], folder_id=str(scene.root.pk), name="big.iso",
                       size=10 * PART + 1)  # fmt: skip
    error = assert_api_error(answer, 413, "file_too_large")
    assert error["details"]["limit_bytes"] == 10 * PART
    assert not UploadSession.objects.exists()


def test_a_part_body_over_the_largest_part_is_413_before_it_is_read(scene):
    owner = scene.c["owner"]
    uid = start(owner, folder_id=str(scene.root.pk), name="a.bin", size=100).json()["id"]
    limit = uploads.max_part_bytes()
    response = owner.generic(
        "PUT", f"/api/v1/uploads/{uid}/parts/1", b"x",
        content_type="application/octet-stream", CONTENT_LENGTH=str(limit + 1),
    )  # fmt: skip
    assert_api_error(response, 413, "request_too_large")


def test_a_program_is_refused_at_part_one(scene):
    owner = scene.c["owner"]
    program = b"MZ\x90\x00" + os.urandom(200)
    uid = start(owner, folder_id=str(scene.root.pk), name="Договор.docx",
                size=len(program)).json()["id"]  # fmt: skip
    assert_api_error(put(owner, uid, 1, program), 400, "file_type_not_allowed")
    assert owner.get(f"/api/v1/uploads/{uid}").json()["parts"] == []
    assert_api_error(start(owner, folder_id=str(scene.root.pk), name="setup.exe", size=10),
                     400, "file_type_not_allowed")  # fmt: skip


def test_part_numbers_and_lengths_are_checked(scene):
    owner = scene.c["owner"]
    uid = start(owner, folder_id=str(scene.root.pk), name="a.txt", size=10).json()["id"]
    assert_api_error(put(owner, uid, 2, b"x"), 400, "upload_part_invalid")
    assert_api_error(put(owner, uid, 1, b"x" * 11), 400, "upload_part_invalid")
    assert put(owner, uid, 1, b"0123456789").status_code == 200
    done = owner.post(f"/api/v1/uploads/{uid}/complete")
    assert done.status_code == 201 and done.json()["current_version"]["content_type"] == (
        "text/plain"
    )


def test_a_long_name_is_kept_and_never_in_the_key(scene):
    owner = scene.c["owner"]
    name = "../" * 10 + "ф" * 960 + ".txt"
    uid = start(owner, folder_id=str(scene.root.pk), name=name, size=3).json()["id"]
    put(owner, uid, 1, b"abc")
    document = owner.post(f"/api/v1/uploads/{uid}/complete").json()
    assert document["name"] == name and len(name) == 994
    version = Version.objects.get(pk=document["current_version"]["id"])
    assert version.key == f"documents/{document['id']}/{version.pk}"


def test_sessions_belong_to_their_uploader(scene):
    owner, outsider, anon = scene.c["owner"], scene.c["outsider"], scene.c["anon"]
    uid = start(owner, folder_id=str(scene.root.pk), name="a.txt", size=3).json()["id"]
    for response in (
        outsider.get(f"/api/v1/uploads/{uid}"),
        put(outsider, uid, 1, b"abc"),
        outsider.post(f"/api/v1/uploads/{uid}/complete"),
        outsider.delete(f"/api/v1/uploads/{uid}"),
    ):
        assert_api_error(response, 404, "upload_session_not_found")
    assert_api_error(anon.get(f"/api/v1/uploads/{uid}"), 401, "not_authenticated")
    assert_api_error(start(outsider, folder_id=str(scene.root.pk), name="a.txt", size=3),
                     404, "folder_not_found")  # fmt: skip
    document = make_document(scene.owner)
    assert_api_error(start(outsider, document_id=str(document.pk), name="a.txt", size=3),
                     404, "document_not_found")  # fmt: skip


def test_cancel_drops_the_parts(scene):
    owner = scene.c["owner"]
    uid = start(owner, folder_id=str(scene.root.pk), name="a.txt", size=3).json()["id"]
    session = UploadSession.objects.get(pk=uid)
    put(owner, uid, 1, b"abc")
    assert owner.delete(f"/api/v1/uploads/{uid}").status_code == 204
    with pytest.raises(UploadNotFound):
        get_storage().multipart_put_part(session.key, session.storage_upload_id, 1, b"abc")
    assert_api_error(owner.post(f"/api/v1/uploads/{uid}/complete"), 404,
                     "upload_session_not_found")  # fmt: skip


def test_abandoned_uploads_expire_after_a_day(scene):
    now = clock.now()
    with clock.frozen(now) as frozen:
        uid = start(scene.c["owner"], folder_id=str(scene.root.pk), name="a.txt",
                    size=3).json()["id"]  # fmt: skip
        session = UploadSession.objects.get(pk=uid)
        frozen.advance(dt.timedelta(hours=23).total_seconds())
        assert uploads.uploads_expire() == 0
        frozen.advance(dt.timedelta(hours=1, seconds=1).total_seconds())
        with pytest.raises(UploadSessionNotFound):  # the token expired too: ask the service
            uploads.access_upload(scene.owner, uid)
        assert uploads.uploads_expire() == 1
    assert not UploadSession.objects.exists()
    with pytest.raises(UploadNotFound):
        get_storage().multipart_put_part(session.key, session.storage_upload_id, 1, b"abc")


def test_completion_with_a_stale_base_is_412_and_leaves_nothing(scene):
    owner = scene.c["owner"]
    document = make_document(scene.owner, data=b"v1", filename="a.txt")
    base = str(document.current_version_id)
    uid = start(owner, document_id=str(document.pk), name="a.txt", size=3,
                base_version_id=base).json()["id"]  # fmt: skip
    put(owner, uid, 1, b"abc")
    version_upload(actor=scene.owner, document_id=document.pk, stream=io.BytesIO(b"v2"),
                   filename="a.txt", base_version_id=base)  # fmt: skip
    assert_api_error(owner.post(f"/api/v1/uploads/{uid}/complete"), 412, "version_conflict")
    session_key = f"documents/{document.pk}/"
    assert Version.objects.filter(document=document).count() == 2
    assert not UploadSession.objects.exists()
    assert all(v.key.startswith(session_key) for v in Version.objects.all())
    again = start(owner, document_id=str(document.pk), name="a.txt", size=3,
                  base_version_id=base)  # fmt: skip
    assert_api_error(again, 412, "version_conflict")


def test_two_uploads_from_the_same_base_one_wins(scene):
    document = make_document(scene.owner, data=b"v1", filename="a.txt")
    base = document.current_version_id
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def upload(text: bytes) -> None:
        try:
            barrier.wait()
            version_upload(actor=scene.owner, document_id=document.pk, stream=io.BytesIO(text),
                           filename="a.txt", base_version_id=base, length=len(text))  # fmt: skip
            outcomes.append("stored")
        except VersionConflict:
            outcomes.append("412")
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(t,)) for t in (b"edit A", b"edit B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["412", "stored"]
    assert Version.objects.filter(document=document).count() == 2
