"""version_add and the versions of a document, through the services, on the S3 server."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.db import transaction

from documents.exceptions import VersionConflict
from documents.models import Document, Role, Version
from documents.selectors import access_document
from documents.services.versions import version_add, version_key, version_restore
from documents.signals import version_adding, version_created
from portal.audit.models import AuditEvent
from portal.errors import PortalError
from portal.storage import get_storage
from portal.storage.content import FileTypeNotAllowed
from tests.factories.documents import make_document
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db(transaction=True)

DOCX_HEAD = b"PK\x03\x04"  # a zip: docx, xlsx… are told apart by filetype from the bytes


def _add(user, document, data: bytes, **kwargs):
    with transaction.atomic():
        locked, _ = access_document(user, document.pk, role=Role.EDITOR, for_update=True)
        return version_add(
            actor=user, document=locked, stream=io.BytesIO(data),
            filename=kwargs.pop("filename", "отчёт.txt"), **kwargs,
        )  # fmt: skip


def _stored(version: Version) -> bytes:
    with get_storage().get(version.key, version_id=version.storage_version_id or None) as r:
        return r.read()


def test_version_add_streams_hashes_numbers_and_publishes(user, other_user):
    document = make_document(user)
    first = document.current_version
    assert first is not None and first.number == 1
    data = "Привет, мир\n".encode() * 1000
    with capture_events() as captured:
        version = _add(user, document, data)
    document.refresh_from_db()
    assert document.current_version_id == version.pk
    assert (version.number, version.size, version.sha256) == (
        2, len(data), hashlib.sha256(data).hexdigest()
    )  # fmt: skip
    assert version.content_type == "text/plain"
    assert version.key == version_key(document.pk, version.pk)
    assert version.author == user and version.source == Version.Source.UPLOAD
    assert _stored(version) == data
    assert _stored(first).startswith(b"%PDF")
    assert [(e["type"], e["op"]) for e, _ in captured.events] == [
        ("document_version", "add"),
        ("document", "update"),
    ]
    assert all(users == {str(user.pk)} for _, users in captured.events)
    assert captured.events[0][0]["version"]["id"] == str(version.pk)
    audit = AuditEvent.objects.filter(action="document.version_added").order_by("-id").first()
    assert audit is not None and audit.details["number"] == 2


def test_version_add_sends_signals_in_order_and_a_receiver_may_refuse(user):
    document = make_document(user)
    seen = []

    class Refused(PortalError):
        code = "refused_for_test"

    def adding(sender, document, actor, **kwargs):
        seen.append(("adding", Version.objects.filter(document=document).count()))
        if len(seen) > 2:
            raise Refused()

    def created(sender, version, actor, **kwargs):
        seen.append(("created", version.number))

    version_adding.connect(adding)
    version_created.connect(created)
    try:
        _add(user, document, b"one")
        assert seen == [("adding", 1), ("created", 2)]
        with pytest.raises(Refused):
            _add(user, document, b"two")
    finally:
        version_adding.disconnect(adding)
        version_created.disconnect(created)
    assert Version.objects.filter(document=document).count() == 2


def test_base_version_conflict_stores_nothing(user):
    document = make_document(user)
    base = document.current_version_id
    _add(user, document, b"first edit", base_version_id=base)
    count = Version.objects.count()
    with pytest.raises(VersionConflict):
        _add(user, document, b"second edit from the same base", base_version_id=base)
    assert Version.objects.count() == count


def test_executables_are_refused_by_bytes_and_by_name(user):
    document = make_document(user)
    with pytest.raises(FileTypeNotAllowed):
        _add(user, document, b"MZ\x90\x00" + b"\x00" * 100, filename="отчёт.docx")
    with pytest.raises(FileTypeNotAllowed):
        _add(user, document, b"echo hi", filename="run.bat")
    assert Version.objects.filter(document=document).count() == 1


def test_empty_file_is_a_zero_byte_version(user):
    document = make_document(user)
    version = _add(user, document, b"", filename="пусто.txt")
    assert version.size == 0
    assert version.sha256 == hashlib.sha256(b"").hexdigest()
    assert version.content_type == "application/octet-stream"


def test_restore_makes_a_new_version_with_the_old_bytes(user):
    document = make_document(user, data=b"original text", filename="a.txt")
    first = document.current_version
    assert first is not None
    _add(user, document, b"changed text")
    restored = version_restore(actor=user, document_id=document.pk, version_id=first.pk)
    assert restored.number == 3 and restored.source == Version.Source.RESTORE
    assert restored.restored_from_id == first.pk
    assert restored.sha256 == first.sha256 and _stored(restored) == b"original text"
    assert Document.objects.get(pk=document.pk).current_version_id == restored.pk
