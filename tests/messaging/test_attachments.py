"""Attachments: upload with the type detected from the bytes (executables refused whatever
their name), thumbnails, binding to a message, per-viewer links that close as soon as the
viewer leaves or the message is deleted, and the purge of what is no longer needed."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from messaging import services
from messaging.events import message_payload
from messaging.exceptions import InvalidAttachments
from messaging.models import Attachment, Message
from messaging.services.attachments import (
    attachment_thumbnail_make,
    attachment_upload,
    attachments_purge,
    clean_filename,
    detect_content_type,
    original_key,
    thumbnail_key,
)
from messaging.tasks import purge_attachments
from portal import clock
from portal.storage import get_storage
from portal.storage.exceptions import FileTooLarge, ObjectNotFound
from tests.helpers import outside_a_request
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events
from tests.messaging.conftest import send as _send

pytestmark = pytest.mark.django_db

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MSI_CLSID = uuid.UUID("000c1084-0000-0000-c000-000000000046").bytes_le
LNK_CLSID = uuid.UUID("00021401-0000-0000-c000-000000000046").bytes_le
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png(width: int = 640, height: int = 480) -> bytes:
    image = Image.new("RGB", (width, height), (0, 128, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def ole(clsid: bytes) -> bytes:
    """A minimal OLE compound file (512-byte sectors, the directory in sector 0) whose
    root entry has the class id ``clsid``."""
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    directory = bytearray(512)
    directory[0:20] = "Root Entry".encode("utf-16-le")
    directory[0x50:0x60] = clsid
    return bytes(header + directory)


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def upload(client, conversation_id, data: bytes, name="photo.png", content_type="image/png"):
    return client.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


def send_files(user, conversation_id, attachment_ids, body="") -> Message:
    message, _ = services.message_send(
        actor=user, conversation_id=conversation_id, client_id=str(uuid.uuid4()), body=body,
        attachment_ids=attachment_ids,
    )  # fmt: skip
    return message


def link(client, attachment_id, **params):
    return client.get(f"/api/v1/attachments/{attachment_id}/link", params)


def fetch(client, url: str):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def stored(key: str) -> bool:
    try:
        get_storage().stat(key)
    except ObjectNotFound:
        return False
    return True


@pytest.fixture
def eager_celery():
    """Tasks queued with .delay() run at once (the suite has a broker, so they would not)."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def put_calls(monkeypatch):
    """The keys written to storage during the test."""
    storage = get_storage()
    original, keys = storage.put, []

    def put(key, *args, **kwargs):
        keys.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(storage, "put", put)
    return keys


def test_png_is_sent_downloaded_by_a_member_and_has_a_thumbnail(
    chat, eager_celery, django_capture_on_commit_callbacks
):
    data = png()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(chat.c["alice"], chat.id, data, "Схема.png")
    assert response.status_code == 201, response.content
    uploaded = response.json()
    assert uploaded == {
        "id": uploaded["id"], "filename": "Схема.png", "size": len(data),
        "content_type": "image/png", "thumbnail": False,
    }  # fmt: skip
    attachment = Attachment.objects.get(pk=uploaded["id"])
    assert attachment.has_thumbnail
    assert original_key(attachment) == f"attachments/{chat.id}/{attachment.pk}/original"

    message = send_files(chat.alice, chat.id, [uploaded["id"]])
    assert message.body == ""
    history = chat.c["bob"].get(f"/api/v1/conversations/{chat.id}/messages").json()
    [shown] = history["results"][0]["attachments"]
    assert shown == {**uploaded, "thumbnail": True}
    assert "url" not in str(history["results"][0])

    url = link(chat.c["bob"], uploaded["id"]).json()["url"]
    assert url.startswith("http://testserver/api/v1/files/")
    got, body = fetch(chat.c["bob"], url)
    assert got.status_code == 200
    assert body == data
    assert got["Content-Type"] == "image/png"
    assert got["Content-Disposition"].startswith("inline; ")
    assert "filename*=UTF-8''%D0%A1%D1%85%D0%B5%D0%BC%D0%B0.png" in got["Content-Disposition"]

    thumb_url = link(chat.c["bob"], uploaded["id"], thumbnail="true").json()["url"]
    got, body = fetch(chat.c["bob"], thumb_url)
    assert got.status_code == 200
    assert got["Content-Type"] == "image/webp"
    thumbnail = Image.open(io.BytesIO(body))
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (320, 240)
    # Each link is the viewer's own.
    assert_api_error(chat.c["owner"].get(url), 404, "file_not_found")


def test_a_message_with_attachments_is_sent_over_rest(chat):
    uploaded = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()
    response = chat.c["alice"].post(
        f"/api/v1/conversations/{chat.id}/messages",
        {"client_id": "with-file", "attachment_ids": [uploaded["id"]]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [a["id"] for a in response.json()["attachments"]] == [uploaded["id"]]


def test_the_message_event_carries_the_attachments(chat):
    uploaded = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()
    with capture_events() as captured:
        send_files(chat.alice, chat.id, [uploaded["id"]])
    [(payload, _)] = captured.of_type("message")
    assert payload["message"]["attachments"] == [uploaded]


def test_message_event_goes_to_exactly_the_members(chat):
    uploaded = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()
    with capture_events() as captured:
        message = send_files(chat.alice, chat.id, [uploaded["id"]], body="Скан приказа")
    [(payload, recipients)] = captured.of_type("message")
    assert payload["op"] == "add"
    assert payload["message"]["id"] == str(message.pk)
    assert recipients == {str(chat.owner.pk), str(chat.alice.pk), str(chat.bob.pk)}
    assert "url" not in str(payload)


def test_a_thumbnail_made_after_the_send_reaches_the_members_as_a_message_edit(chat):
    uploaded = upload(chat.c["alice"], chat.id, png()).json()
    message = send_files(chat.alice, chat.id, [uploaded["id"]], body="Фото стенда")
    chat.c["bob"].post(f"/api/v1/messages/{message.pk}/hide")
    with capture_events() as captured:
        assert attachment_thumbnail_make(attachment_id=uploaded["id"]) is True
    [(payload, recipients)] = captured.of_type("message")
    assert payload["op"] == "update"
    assert payload["message"]["attachments"] == [{**uploaded, "thumbnail": True}]
    # Nothing was edited: the version fields stay.
    assert payload["message"]["edited_at"] is None and payload["message"]["edit_count"] == 0
    assert recipients == {str(chat.owner.pk), str(chat.alice.pk)}  # not who hid it
    with capture_events() as again:
        assert attachment_thumbnail_make(attachment_id=uploaded["id"]) is True
    assert again.of_type("message") == []


def test_a_thumbnail_of_an_upload_not_sent_yet_publishes_nothing(chat):
    uploaded = upload(chat.c["alice"], chat.id, png()).json()
    with capture_events() as captured:
        assert attachment_thumbnail_make(attachment_id=uploaded["id"]) is True
    assert captured.of_type("message") == []
    message = send_files(chat.alice, chat.id, [uploaded["id"]])
    assert message_payload(message)["attachments"][0]["thumbnail"] is True


def test_the_type_comes_from_the_bytes_not_the_name_or_the_client(chat):
    response = upload(chat.c["alice"], chat.id, PDF, "scan.bin", "application/octet-stream")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    response = upload(chat.c["alice"], chat.id, b"plain words", "page.html", "text/html")
    assert response.json()["content_type"] == "text/plain"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(), "image/png"),
        (PDF, "application/pdf"),
        (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Служебная записка".encode(), "text/plain"),
        ("Служебная записка".encode("cp1251"), "text/plain"),
        (ole(bytes(16)), "application/octet-stream"),  # an OLE file that is no installer
        (bytes(range(256)), "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
    ids=["png", "pdf", "docx", "utf8", "cp1251", "ole", "binary", "empty"],
)
def test_detect_content_type(data, expected):
    stream = io.BytesIO(data)
    assert detect_content_type(stream) == expected
    assert stream.tell() == 0


EXECUTABLES = [
    ("report.pdf", "application/pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(200)),
    ("report.docx", "application/msword", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),
    ("slides.pptx", "application/octet-stream", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(64)),
    ("notes.txt", "text/plain", b"#!/bin/sh\nrm -rf ~\n"),
    ("photo.jpg", "image/jpeg", b"L\x00\x00\x00" + LNK_CLSID + bytes(100)),
    ("table.xls", "application/vnd.ms-excel", ole(MSI_CLSID)),
    ("run.bat", "text/plain", b"@echo off\r\ndel /q C:\\*\r\n"),
    ("invoice\u202efdp.exe", "application/pdf", PDF),
    ("script.js ", "text/plain", b"WScript.Echo(1)"),
]


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    EXECUTABLES,
    ids=["elf", "mz", "mach-o", "shebang", "lnk", "msi", "bat-name", "bidi-exe-name", "js-name"],
)
def test_executables_are_refused_whatever_their_name_and_nothing_is_stored(
    chat, put_calls, name, content_type, data
):
    response = upload(chat.c["alice"], chat.id, data, name, content_type)
    assert_api_error(response, 400, "file_type_not_allowed")
    assert put_calls == []
    assert not Attachment.objects.exists()


def test_file_names_are_cleaned():
    assert clean_filename("..\\..\\C:\\Windows\\evil.txt") == "evil.txt"
    assert clean_filename("a/b/../Отчёт\u00a0за\tмай.docx") == "Отчёт за май.docx"
    assert clean_filename("bad\x00na\x1bme\u200b\u202e.pdf. . ") == "badname.pdf"
    assert clean_filename("...") == "file"
    long = clean_filename("д" * 300 + ".xlsx")
    assert len(long) == 200
    assert long.endswith("д.xlsx")


def test_an_oversized_file_is_refused_with_413(chat, put_calls):
    with override_settings(MAX_UPLOAD_BYTES=1000):
        # Its Content-Length already tells: refused before the body is read.
        response = upload(chat.c["alice"], chat.id, bytes(1500), "big.bin")
        assert_api_error(response, 413, "request_too_large")
        # A file over the limit that reaches the service (no declared length).
        with pytest.raises(FileTooLarge) as raised:
            attachment_upload(
                actor=chat.alice, conversation_id=chat.id, filename="big.bin",
                upload=SimpleUploadedFile("big.bin", bytes(1001)),
            )  # fmt: skip
    assert raised.value.status == 413
    assert raised.value.code == "file_too_large"
    assert raised.value.details == {"limit_bytes": 1000}
    assert put_calls == []
    assert not Attachment.objects.exists()


def test_only_members_who_may_post_upload(chat):
    assert_api_error(upload(chat.c["outsider"], chat.id, png()), 404, "conversation_not_found")
    assert_api_error(upload(chat.c["alice"], uuid.uuid4(), png()), 404, "conversation_not_found")
    response = chat.c["owner"].post(
        f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}/role",
        {"role": "read_only"},
        format="json",
    )
    assert response.status_code == 204, response.content
    assert_api_error(upload(chat.c["bob"], chat.id, png()), 403, "posting_not_allowed")
    channel = (
        chat.c["owner"]
        .post(
            "/api/v1/conversations",
            {"kind": "channel", "title": "Новости", "member_ids": [str(chat.alice.pk)]},
            format="json",
        )
        .json()
    )
    assert_api_error(upload(chat.c["alice"], channel["id"], png()), 403, "posting_not_allowed")
    assert upload(chat.c["owner"], channel["id"], png()).status_code == 201
    assert_api_error(upload(api_client(), chat.id, png()), 401, "not_authenticated")
    as_json = chat.c["alice"].post(
        f"/api/v1/conversations/{chat.id}/attachments", {"file": "x"}, format="json"
    )
    assert_api_error(as_json, 415, "unsupported_media_type")


def test_outsiders_and_others_get_no_link(chat):
    uploaded = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()
    # Not sent yet: only the uploader sees it.
    assert link(chat.c["alice"], uploaded["id"]).status_code == 200
    assert_api_error(link(chat.c["bob"], uploaded["id"]), 404, "attachment_not_found")
    send_files(chat.alice, chat.id, [uploaded["id"]])
    assert link(chat.c["bob"], uploaded["id"]).status_code == 200
    assert_api_error(link(chat.c["outsider"], uploaded["id"]), 404, "attachment_not_found")
    assert_api_error(link(chat.c["outsider"], uuid.uuid4()), 404, "attachment_not_found")
    assert_api_error(
        link(chat.c["bob"], uploaded["id"], thumbnail="true"), 404, "thumbnail_not_found"
    )
    assert_api_error(link(chat.c["bob"], uploaded["id"], thumbnail="maybe"), 400,
                     "validation_failed")  # fmt: skip
    assert_api_error(link(api_client(), uploaded["id"]), 401, "not_authenticated")


def test_a_removed_member_s_link_stops_at_once(chat):
    uploaded = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()
    send_files(chat.alice, chat.id, [uploaded["id"]])
    url = link(chat.c["bob"], uploaded["id"]).json()["url"]
    assert fetch(chat.c["bob"], url)[0].status_code == 200
    response = chat.c["owner"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}")
    assert response.status_code == 204
    assert_api_error(chat.c["bob"].get(url), 404, "file_not_found")
    assert_api_error(link(chat.c["bob"], uploaded["id"]), 404, "attachment_not_found")


def test_only_one_s_own_unsent_uploads_to_this_conversation_can_be_attached(chat):
    alices = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()["id"]
    with pytest.raises(InvalidAttachments) as raised:
        send_files(chat.bob, chat.id, [alices])
    assert raised.value.details == {"attachment_ids": [alices]}
    other = (
        chat.c["owner"]
        .post(
            "/api/v1/conversations",
            {"kind": "group", "title": "Другая", "member_ids": [str(chat.alice.pk)]},
            format="json",
        )
        .json()
    )
    with pytest.raises(InvalidAttachments):
        send_files(chat.alice, other["id"], [alices])
    with pytest.raises(InvalidAttachments) as raised:
        send_files(chat.alice, chat.id, [alices, "not-an-id", str(uuid.uuid4())])
    assert raised.value.details["attachment_ids"][0] == "not-an-id"
    assert not Message.objects.filter(conversation_id=other["id"], author=chat.alice).exists()

    first = send_files(chat.alice, chat.id, [alices, alices])
    assert [a.pk for a in first.attachments.all()] == [uuid.UUID(alices)]
    with pytest.raises(InvalidAttachments):
        send_files(chat.alice, chat.id, [alices])
    assert Attachment.objects.get(pk=alices).message_id == first.pk


def test_attachments_keep_the_listed_order_and_are_limited_to_ten(chat):
    ids = [upload(chat.c["alice"], chat.id, PDF, f"{n}.pdf").json()["id"] for n in range(11)]
    with pytest.raises(InvalidAttachments):
        send_files(chat.alice, chat.id, ids)
    message = send_files(chat.alice, chat.id, ids[:10][::-1])
    assert [a["filename"] for a in message_payload(message)["attachments"]] == [
        f"{n}.pdf" for n in range(9, -1, -1)
    ]


def test_a_message_needs_a_body_or_attachments(chat):
    for body in ("", "   "):
        assert_api_error(_send(chat.c["alice"], chat.id, body), 400, "invalid_message")
    response = chat.c["alice"].post(
        f"/api/v1/conversations/{chat.id}/messages", {"client_id": "no-body"}, format="json"
    )
    assert_api_error(response, 400, "invalid_message")


@outside_a_request
def test_a_deleted_message_s_attachments_are_gone(chat, eager_celery,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = upload(chat.c["alice"], chat.id, png(), "photo.png").json()
    message = send_files(chat.alice, chat.id, [uploaded["id"]], body="Фото")
    attachment = Attachment.objects.get(pk=uploaded["id"])
    url = link(chat.c["bob"], uploaded["id"]).json()["url"]
    with django_capture_on_commit_callbacks(execute=True):
        deleted = chat.c["alice"].delete(f"/api/v1/messages/{message.pk}")
    assert deleted.json()["attachments"] == []
    assert_api_error(chat.c["bob"].get(url), 404, "file_not_found")
    assert_api_error(link(chat.c["bob"], uploaded["id"]), 404, "attachment_not_found")
    assert_api_error(link(chat.c["alice"], uploaded["id"]), 404, "attachment_not_found")

    assert attachments_purge(message_id=uuid.uuid4()) == 0
    purge_attachments()
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored(original_key(attachment))
    assert not stored(thumbnail_key(attachment))


@outside_a_request
def test_unsent_uploads_are_purged_after_a_day(chat):
    def upload_pdf() -> Attachment:
        return attachment_upload(
            actor=chat.alice, conversation_id=chat.id, filename="scan.pdf",
            upload=SimpleUploadedFile("scan.pdf", PDF),
        )  # fmt: skip

    start = timezone.now()
    with clock.frozen(start):
        old, sent = upload_pdf(), upload_pdf()
        send_files(chat.alice, chat.id, [sent.pk])
    with clock.frozen(start + dt.timedelta(hours=23)):
        fresh = upload_pdf()
        assert purge_attachments() == 0
    with clock.frozen(start + dt.timedelta(days=1, minutes=1)):
        assert purge_attachments() == 1
    assert set(Attachment.objects.values_list("pk", flat=True)) == {sent.pk, fresh.pk}
    assert not stored(original_key(old))
    assert stored(original_key(sent)) and stored(original_key(fresh))


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [png()[:120], bomb()], ids=["damaged", "bomb"])
def test_images_that_cannot_be_decoded_safely_get_no_thumbnail(
    chat, eager_celery, django_capture_on_commit_callbacks, data
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(chat.c["alice"], chat.id, data, "picture.png")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.content_type == "image/png"
    assert not attachment.has_thumbnail
    assert not stored(thumbnail_key(attachment))
    # The file itself is still there to download.
    assert link(chat.c["alice"], attachment.pk).status_code == 200
