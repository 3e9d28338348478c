"""The orphan sweep, on the real S3 server (moto) and PostgreSQL: an object written for a
version (a whole upload, or a resumable one's joined parts) whose transaction then rolled
back is deleted once the grace period has passed; a committed version's object stays; an
object whose writer is still in its transaction is left alone."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import connection, transaction

from documents.models import Document, PendingObject, Role, Version
from documents.selectors import access_document
from documents.services.orphans import orphans_sweep
from documents.services.uploads import upload_complete, upload_part_put, upload_start
from documents.services.versions import version_add
from documents.tasks import sweep_orphans
from portal import clock
from portal.storage import get_storage
from portal.storage.exceptions import ObjectNotFound
from tests.factories import documents as factories
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


class Forced(Exception):
    """The failure after the object was written: the caller's transaction rolls back."""


def _later(hours: float) -> dt.datetime:
    return clock.now() + dt.timedelta(hours=hours)


def _exists(key: str) -> bool:
    try:
        get_storage().stat(key)
    except ObjectNotFound:
        return False
    return True


def _add_version(owner, document, data: bytes = PDF) -> Version:
    locked, _role = access_document(owner, document.pk, role=Role.EDITOR, for_update=True)
    return version_add(actor=owner, document=locked, stream=io.BytesIO(data),
                       filename="Отчёт.pdf", length=len(data))  # fmt: skip


@pytest.fixture
def owner(transactional_db):
    # Records committed by earlier tests whose own transaction was rolled back (the
    # ``db`` fixture's): they are not this test's, and would count in its sweeps.
    PendingObject.objects.all().delete()
    return UserFactory.create(login="owner")


@pytest.fixture
def document(owner):
    return factories.make_document(owner, filename="Отчёт.pdf")


def test_a_version_whose_transaction_rolled_back_is_swept_after_the_grace(owner, document):
    with pytest.raises(Forced), transaction.atomic():
        key = _add_version(owner, document).key
        raise Forced
    assert not Version.objects.filter(key=key).exists()
    assert _exists(key)  # the bytes stayed behind
    assert PendingObject.objects.filter(key=key).exists()  # but their record outlived it

    assert orphans_sweep() == 0  # within the grace period nothing goes
    assert _exists(key)
    with clock.frozen(_later(2)):
        assert sweep_orphans() == 1
    assert not _exists(key)
    assert not get_storage().versions(key)  # every stored version of it, not a marker
    assert not PendingObject.objects.exists()
    # The document's committed version is untouched.
    document.refresh_from_db()
    assert document.current_version is not None
    assert _exists(document.current_version.key)


def test_a_committed_version_leaves_no_record_and_keeps_its_object(owner, document):
    with transaction.atomic():
        version = _add_version(owner, document)
    assert not PendingObject.objects.exists()
    with clock.frozen(_later(2)):
        assert orphans_sweep() == 0
    assert _exists(version.key)


def test_a_record_whose_deletion_was_lost_goes_without_the_object(owner, document):
    """A commit whose after-commit step never ran (the process died): the version holds
    the key, so the sweep drops only the record."""
    with transaction.atomic():
        version = _add_version(owner, document)
    PendingObject.objects.create(key=version.key, created_at=clock.now())
    with clock.frozen(_later(2)):
        assert orphans_sweep() == 0
    assert _exists(version.key)
    assert not PendingObject.objects.exists()


def test_a_resumable_upload_joined_then_rolled_back_is_swept(owner):
    folder = factories.root_of(owner)
    data = PDF + b"x" * 100
    session = upload_start(actor=owner, name="Большой.pdf", size=len(data), folder_id=folder.pk)
    upload_part_put(actor=owner, upload_id=session.pk, number=1, stream=io.BytesIO(data))
    with pytest.raises(Forced), transaction.atomic():
        document = upload_complete(actor=owner, upload_id=session.pk)
        assert isinstance(document, Document)
        raise Forced
    assert not Document.objects.filter(name="Большой.pdf").exists()
    assert _exists(session.key)
    with clock.frozen(_later(2)):
        assert orphans_sweep() == 1
    assert not _exists(session.key)


def test_an_object_whose_writer_is_still_in_its_transaction_is_left_alone(owner, document):
    written = threading.Event()
    finish = threading.Event()
    keys: list[str] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                keys.append(_add_version(owner, document).key)
                written.set()
                assert finish.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(30)
        [key] = keys
        with clock.frozen(_later(2)):
            assert orphans_sweep() == 0  # its lock is held: the transaction is running
        assert _exists(key)
        assert PendingObject.objects.filter(key=key).exists()
    finally:
        finish.set()
        thread.join(30)
    # It committed: the record is gone, the version and its object stay.
    assert not PendingObject.objects.exists()
    assert Version.objects.filter(key=key).exists()
    with clock.frozen(_later(2)):
        assert orphans_sweep() == 0
    assert _exists(key)
