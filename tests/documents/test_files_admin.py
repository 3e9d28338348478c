"""Documents in Django admin: IT staff can look everything up and change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from documents.services.shares import share_add
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.documents import make_document

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
