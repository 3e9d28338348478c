"""Folders, documents, versions and download links over REST: the anonymous / outsider /
permitted matrix, and the bad inputs of issue 12 about files."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from documents.models import Document, Version
from portal import clock
from portal.audit.models import AuditEvent
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


@pytest.fixture
def scene(db):
    owner = UserFactory.create(login="owner")
    outsider = UserFactory.create(login="outsider", agency=owner.agency)
    c = {"owner": api_client(owner), "outsider": api_client(outsider), "anon": api_client()}
    for client in c.values():
        client.default_format = "json"  # uploads say format="multipart"
    roots = c["owner"].get("/api/v1/documents/roots")
    assert roots.status_code == 200, roots.content
    root = roots.json()["results"][0]
    return SimpleNamespace(owner=owner, outsider=outsider, c=c, root=root)


def upload(client, folder_id, data=PDF, filename="Отчёт.pdf", **extra):
    return client.post(
        f"/api/v1/folders/{folder_id}/documents",
        {"file": SimpleUploadedFile(filename, data), **extra},
        format="multipart",
    )


def link_bytes(client, document_id, version_id, **headers):
    answer = client.get(f"/api/v1/documents/{document_id}/versions/{version_id}/link")
    assert answer.status_code == 200, answer.content
    url = answer.json()["url"]
    return url, client.get(url, **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_roots_are_made_once_and_owned(scene):
    again = scene.c["owner"].get("/api/v1/documents/roots").json()["results"]
    assert again[0]["id"] == scene.root["id"]
    assert scene.root["owner"] == {
        "kind": "user", "id": str(scene.owner.pk), "name": str(scene.owner)
    }  # fmt: skip
    assert scene.root["role"] == "owner" and scene.root["parent_id"] is None
    assert scene.root["path"] == [{"id": scene.root["id"], "name": scene.root["name"]}]
    assert_api_error(scene.c["anon"].get("/api/v1/documents/roots"), 401, "not_authenticated")


def test_department_root_is_shared_by_its_members(db, department):
    a = UserFactory.create(department=department)
    b = UserFactory.create(department=department)
    roots_a = api_client(a).get("/api/v1/documents/roots").json()["results"]
    roots_b = api_client(b).get("/api/v1/documents/roots").json()["results"]
    assert len(roots_a) == 2 and roots_a[1]["id"] == roots_b[1]["id"]
    assert roots_a[1]["owner"]["kind"] == "department" and roots_a[1]["role"] == "editor"


def test_folder_matrix(scene):
    owner, outsider, anon = scene.c["owner"], scene.c["outsider"], scene.c["anon"]
    made = owner.post("/api/v1/folders", {"parent_id": scene.root["id"], "name": "Приказы"})
    assert made.status_code == 201, made.content
    folder = made.json()
    assert folder["path"][-1] == {"id": folder["id"], "name": "Приказы"}
    assert folder["owner"]["id"] == str(scene.owner.pk)
    url = f"/api/v1/folders/{folder['id']}"
    for path in (url, f"{url}/contents"):
        assert_api_error(anon.get(path), 401, "not_authenticated")
        assert_api_error(outsider.get(path), 404, "folder_not_found")
    assert_api_error(outsider.patch(url, {"name": "x"}), 404, "folder_not_found")
    assert_api_error(outsider.delete(url), 404, "folder_not_found")
    assert_api_error(
        outsider.post("/api/v1/folders", {"parent_id": folder["id"], "name": "x"}),
        404, "folder_not_found",
    )  # fmt: skip
    assert_api_error(upload(outsider, folder["id"]), 404, "folder_not_found")
    assert_api_error(owner.get(f"/api/v1/folders/{uuid.uuid4()}"), 404, "folder_not_found")
    assert owner.patch(url, {"name": "Приказы 2026"}).json()["name"] == "Приказы 2026"
    assert upload(owner, folder["id"]).status_code == 201
    assert_api_error(owner.delete(url), 409, "folder_not_empty")
    empty = owner.post("/api/v1/folders", {"parent_id": folder["id"], "name": "Пусто"}).json()
    contents = owner.get(f"{url}/contents").json()
    assert [f["id"] for f in contents["folders"]] == [empty["id"]]
    assert len(contents["documents"]["results"]) == 1
    # a running upload into a folder keeps it: its parts would be left in storage
    session = owner.post(
        "/api/v1/uploads", {"folder_id": empty["id"], "name": "a.bin", "size": 10}
    ).json()
    assert_api_error(owner.delete(f"/api/v1/folders/{empty['id']}"), 409, "folder_not_empty")
    assert owner.delete(f"/api/v1/uploads/{session['id']}").status_code == 204
    assert owner.delete(f"/api/v1/folders/{empty['id']}").status_code == 204
    assert_api_error(owner.delete(f"/api/v1/folders/{scene.root['id']}"), 403,
                     "document_role_required")  # fmt: skip
    assert_api_error(
        owner.post("/api/v1/folders", {"parent_id": folder["id"], "name": "\x07 \u200b"}),
        400, "folder_name_invalid",
    )  # fmt: skip


def test_document_matrix_and_upload(scene):
    owner, outsider, anon = scene.c["owner"], scene.c["outsider"], scene.c["anon"]
    with capture_events() as captured:
        made = upload(owner, scene.root["id"])
    assert made.status_code == 201, made.content
    document = made.json()
    version = document["current_version"]
    assert document["role"] == "owner" and document["kind"] == "file"
    assert document["name"] == "Отчёт.pdf" and document["status"] == "draft"
    assert version["number"] == 1 and version["size"] == len(PDF)
    assert version["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert version["content_type"] == "application/pdf"
    assert version["author"] == {"id": str(scene.owner.pk), "name": str(scene.owner)}
    assert [(e["type"], e["op"]) for e, _ in captured.events] == [
        ("document", "add"), ("document_version", "add"), ("document", "update")
    ]  # fmt: skip
    assert all(users == {str(scene.owner.pk)} for _, users in captured.events)
    url = f"/api/v1/documents/{document['id']}"
    vid = version["id"]
    for path in (
        url,
        f"{url}/versions",
        f"{url}/versions/{vid}/link",
        f"{url}/comments",
        f"{url}/shares",
    ):
        assert_api_error(anon.get(path), 401, "not_authenticated")
        assert_api_error(outsider.get(path), 404, "document_not_found")
    for response in (
        outsider.patch(url, {"name": "x"}),
        outsider.delete(url),
        outsider.post(f"{url}/versions/{vid}/restore"),
        outsider.post(f"{url}/versions", {"file": SimpleUploadedFile("a.txt", b"a")},
                      format="multipart"),
        outsider.post(f"{url}/comments", {"body": "Посторонний"}),
        outsider.post(f"{url}/shares", {"grantee": {"kind": "user", "id": str(scene.outsider.pk)},
                                        "role": "owner"}, format="json"),
    ):  # fmt: skip
        assert_api_error(response, 404, "document_not_found")
    assert owner.get(url).json()["id"] == document["id"]
    renamed = owner.patch(url, {"name": "Годовой отчёт"}).json()
    assert renamed["name"] == "Годовой отчёт"
    assert owner.get(f"{url}/versions").json()["results"][0]["id"] == vid
    assert owner.delete(url).status_code == 204
    assert_api_error(owner.get(url), 404, "document_not_found")
    assert AuditEvent.objects.filter(action="document.deleted").exists()


def test_rich_text_document_has_no_version(scene):
    made = scene.c["owner"].post(
        f"/api/v1/folders/{scene.root['id']}/documents",
        {"kind": "rich_text", "name": "Служебная записка"}, format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["kind"] == "rich_text" and made.json()["current_version"] is None
    versions = scene.c["owner"].post(
        f"/api/v1/documents/{made.json()['id']}/versions",
        {"file": SimpleUploadedFile("a.txt", b"text")}, format="multipart",
    )  # fmt: skip
    assert_api_error(versions, 400, "document_kind_mismatch")


@pytest.mark.parametrize(
    "given, shown",
    [
        ("../../etc/passwd", "../../etc/passwd"),
        ("..\\..\\boot.ini", "..\\..\\boot.ini"),
        ("a\x01b\x1b\x7fc\u202e.txt", "abc.txt"),
        ("д" * 996 + ".txt", "д" * 996 + ".txt"),  # 1,000 characters, kept
    ],
)
def test_hostile_names_are_stored_safely_and_shown_as_given(scene, given, shown):
    made = upload(scene.c["owner"], scene.root["id"], data=b"plain text", filename="x.txt",
                  name=given)  # fmt: skip
    assert made.status_code == 201, made.content
    document = made.json()
    assert document["name"] == shown
    version = Version.objects.get(pk=document["current_version"]["id"])
    assert version.key == f"documents/{document['id']}/{version.pk}"


def test_a_name_over_1000_characters_is_refused(scene):
    made = upload(scene.c["owner"], scene.root["id"], data=b"x", filename="x.txt",
                  name="д" * 1001)  # fmt: skip
    assert_api_error(made, 400, "validation_failed")


def test_file_name_with_path_and_controls_downloads_with_a_safe_disposition(scene):
    # The multipart file name itself: Django keeps only its last segment; NUL and other
    # control characters are dropped.
    made = upload(scene.c["owner"], scene.root["id"], data=b"text", filename="../Отчёт\x1b.txt")
    assert made.status_code == 201, made.content
    document = made.json()
    assert "\x1b" not in document["current_version"]["filename"]
    _url, response = link_bytes(scene.c["owner"], document["id"],
                                document["current_version"]["id"])  # fmt: skip
    disposition = response["Content-Disposition"]
    assert "\x1b" not in disposition and "/" not in disposition.split("filename*")[0]
    assert unquote(disposition.split("filename*=UTF-8''")[1]).endswith("Отчёт.txt")
    nul = upload(scene.c["owner"], scene.root["id"], data=b"text", filename="a\x00b.txt")
    assert nul.status_code == 201, nul.content
    assert "\x00" not in nul.json()["current_version"]["filename"]


def test_executable_renamed_docx_is_refused(scene):
    assert_api_error(upload(scene.c["owner"], scene.root["id"], data=ELF, filename="Приказ.docx"),
                     400, "file_type_not_allowed")  # fmt: skip
    assert_api_error(upload(scene.c["owner"], scene.root["id"], data=b"MZ" + b"\0" * 64,
                            filename="Приказ.pdf"), 400, "file_type_not_allowed")  # fmt: skip
    assert not Document.objects.exists()


def test_empty_file_is_a_zero_byte_version(scene):
    made = upload(scene.c["owner"], scene.root["id"], data=b"", filename="пусто.txt")
    assert made.status_code == 201, made.content
    version = made.json()["current_version"]
    assert version["size"] == 0 and version["sha256"] == hashlib.sha256(b"").hexdigest()
    _url, response = link_bytes(scene.c["owner"], made.json()["id"], version["id"])
    assert response.status_code == 200 and body(response) == b""


def test_multipart_over_the_limit_is_413_before_the_body_is_read(scene):
    with override_settings(MAX_UPLOAD_BYTES=1000):
        response = upload(scene.c["owner"], scene.root["id"], data=b"x" * 5000, filename="big.txt")
        assert_api_error(response, 413, "request_too_large")
        doc = upload(scene.c["owner"], scene.root["id"], data=b"small", filename="s.txt").json()
        again = scene.c["owner"].post(
            f"/api/v1/documents/{doc['id']}/versions",
            {"file": SimpleUploadedFile("big.txt", b"x" * 5000)}, format="multipart",
        )  # fmt: skip
        assert_api_error(again, 413, "request_too_large")
    with override_settings(DOCUMENT_MAX_BYTES=100):
        response = upload(scene.c["owner"], scene.root["id"], data=b"x" * 101, filename="b.txt")
        assert_api_error(response, 413, "file_too_large")
    assert Version.objects.count() == 1


def test_new_version_with_a_stale_base_is_412_and_stores_nothing(scene):
    owner = scene.c["owner"]
    document = upload(owner, scene.root["id"], data=b"v1", filename="a.txt").json()
    base = document["current_version"]["id"]
    url = f"/api/v1/documents/{document['id']}/versions"

    def post(data):
        return owner.post(url, {"file": SimpleUploadedFile("a.txt", data),
                                "base_version_id": base}, format="multipart")  # fmt: skip

    first = post(b"v2 from v1")
    assert first.status_code == 201 and first.json()["number"] == 2
    keys_before = {v.key for v in Version.objects.all()}
    assert_api_error(post(b"another v2 from v1"), 412, "version_conflict")
    assert {v.key for v in Version.objects.all()} == keys_before
    assert [v["number"] for v in owner.get(url).json()["results"]] == [2, 1]


def test_restore_and_download_ranges(scene):
    owner = scene.c["owner"]
    data = bytes(range(256)) * 40
    document = upload(owner, scene.root["id"], data=data, filename="data.bin").json()
    first = document["current_version"]
    url = f"/api/v1/documents/{document['id']}/versions"
    owner.post(url, {"file": SimpleUploadedFile("data.bin", b"other")}, format="multipart")
    restored = owner.post(f"{url}/{first['id']}/restore")
    assert restored.status_code == 201, restored.content
    assert restored.json()["source"] == "restore"
    assert restored.json()["restored_from_id"] == first["id"]
    assert restored.json()["sha256"] == first["sha256"]
    link, whole = link_bytes(owner, document["id"], restored.json()["id"])
    assert whole.status_code == 200 and body(whole) == data
    part = owner.get(link, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and body(part) == data[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = owner.get(link, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and body(tail) == data[-10:]
    past = owner.get(link, HTTP_RANGE=f"bytes={len(data)}-")
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(data)}"


def test_link_refused_when_expired_or_used_by_another(scene):
    owner = scene.c["owner"]
    document = upload(owner, scene.root["id"], data=b"secret", filename="s.txt").json()
    vid = document["current_version"]["id"]
    start = clock.now()
    with clock.frozen(start) as frozen:
        answer = owner.get(f"/api/v1/documents/{document['id']}/versions/{vid}/link").json()
        expires = dt.datetime.fromisoformat(answer["expires_at"])
        assert dt.timedelta(0) < expires - start <= dt.timedelta(seconds=60)
        assert owner.get(answer["url"]).status_code == 200
        assert_api_error(scene.c["outsider"].get(answer["url"]), 404, "file_not_found")
        frozen.advance(61)
        assert_api_error(owner.get(answer["url"]), 404, "file_not_found")


def test_link_dies_with_the_bin(scene):
    owner = scene.c["owner"]
    document = upload(owner, scene.root["id"], data=b"secret", filename="s.txt").json()
    url, first = link_bytes(owner, document["id"], document["current_version"]["id"])
    assert first.status_code == 200
    owner.delete(f"/api/v1/documents/{document['id']}")
    assert_api_error(owner.get(url), 404, "file_not_found")


def test_version_link_of_another_document_is_not_found(scene):
    owner = scene.c["owner"]
    a = upload(owner, scene.root["id"], data=b"a", filename="a.txt").json()
    b = upload(owner, scene.root["id"], data=b"b", filename="b.txt").json()
    wrong = owner.get(f"/api/v1/documents/{a['id']}/versions/{b['current_version']['id']}/link")
    assert_api_error(wrong, 404, "version_not_found")


def test_move_needs_owner_and_target_editor(scene):
    owner = scene.c["owner"]
    document = upload(owner, scene.root["id"], data=b"a", filename="a.txt").json()
    target = owner.post("/api/v1/folders", {"parent_id": scene.root["id"], "name": "B"}).json()
    moved = owner.patch(f"/api/v1/documents/{document['id']}", {"folder_id": target["id"]})
    assert moved.status_code == 200 and moved.json()["folder_id"] == target["id"]
    outsider_root = scene.c["outsider"].get("/api/v1/documents/roots").json()["results"][0]
    away = owner.patch(f"/api/v1/documents/{document['id']}", {"folder_id": outsider_root["id"]})
    assert_api_error(away, 404, "folder_not_found")


def test_folder_contents_page_documents_by_name(scene):
    owner = scene.c["owner"]
    for name in ("Бюджет", "Акт", "Вестник"):
        assert (
            upload(owner, scene.root["id"], data=b"x", filename="x.txt", name=name).status_code
            == 201
        )
    url = f"/api/v1/folders/{scene.root['id']}/contents?limit=2"
    first = owner.get(url).json()["documents"]
    assert [d["name"] for d in first["results"]] == ["Акт", "Бюджет"]
    assert first["previous"] is None and first["next"]
    second = owner.get(f"{url}&cursor={first['next']}").json()["documents"]
    assert [d["name"] for d in second["results"]] == ["Вестник"] and second["next"] is None
