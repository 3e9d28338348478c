"""Documents in Django admin: IT staff can look everything up and change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from documents.collab.store import compact
from documents.models import DocumentUpdate, NamedSnapshot
from documents.services.collab import snapshot_create, snapshot_restore
from documents.services.shares import share_add
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.documents import make_document, make_rich_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_pages_are_read_only(db):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    owner = UserFactory.create(agency=root.agency)
    document = make_document(owner)
    share_add(actor=owner, document_id=document.pk, grantee_kind="user", grantee_id=root.pk,
              role="viewer")  # fmt: skip
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=root.login, password=DEFAULT_PASSWORD)
    for model in ("folder", "document", "version", "documentshare", "uploadsession", "comment"):
        page = client.get(f"/admin/documents/{model}/")
        assert page.status_code == 200, model
        assert client.get(f"/admin/documents/{model}/add/").status_code == 403, model
    detail = client.get(f"/admin/documents/document/{document.pk}/change/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert document.current_version is not None and document.current_version.sha256 in text
    posted = client.post(f"/admin/documents/document/{document.pk}/change/", {"name": "x"})
    assert posted.status_code == 403
    assert client.post(f"/admin/documents/document/{document.pk}/delete/").status_code == 403


def test_co_editing_storage_is_shown_and_cannot_be_changed(db):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    owner = UserFactory.create(agency=root.agency)
    document = make_rich_text(owner, name="Записка")
    snapshot = snapshot_create(actor=owner, document_id=document.pk, name="Первая редакция")
    # A restore is one more change in the update log.
    snapshot_restore(actor=owner, document_id=document.pk, snapshot_id=snapshot.pk)
    [update] = DocumentUpdate.objects.filter(document=document)
    other = make_rich_text(owner, name="Справка")
    snapshot_restore(
        actor=owner,
        document_id=other.pk,
        snapshot_id=snapshot_create(actor=owner, document_id=other.pk, name="A").pk,
    )
    compact(other.pk)  # its state row, with no update left in the log  # fmt: skip
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=root.login, password=DEFAULT_PASSWORD)
    for model in ("collabstate", "documentupdate", "editspan", "namedsnapshot", "pendingobject"):
        page = client.get(f"/admin/documents/{model}/")
        assert page.status_code == 200, model
        assert client.get(f"/admin/documents/{model}/add/").status_code == 403, model
    listing = client.get("/admin/documents/namedsnapshot/").content.decode()
    assert "Первая редакция" in listing
    detail = client.get(f"/admin/documents/namedsnapshot/{snapshot.pk}/change/")
    assert detail.status_code == 200
    assert client.post(f"/admin/documents/namedsnapshot/{snapshot.pk}/change/",
                       {"name": "x"}).status_code == 403  # fmt: skip
    assert client.post(f"/admin/documents/namedsnapshot/{snapshot.pk}/delete/").status_code == 403
    assert NamedSnapshot.objects.get(pk=snapshot.pk).name == "Первая редакция"
    states = client.get("/admin/documents/collabstate/").content.decode()
    assert "Справка" in states and "Записка" not in states
    page = client.get(f"/admin/documents/documentupdate/{update.seq}/change/")
    assert page.status_code == 200
    assert str(len(bytes(update.data))) in page.content.decode()
    assert client.post(f"/admin/documents/documentupdate/{update.seq}/delete/").status_code == 403
    assert DocumentUpdate.objects.filter(seq=update.seq).exists()
