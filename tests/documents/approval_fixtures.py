"""The scene of the approval tests (imported by tests/documents/test_approval_*.py): an
agency with a document owner, approvers, a signer, a manager and an outsider, and helpers
that make documents and versions through the files part's services."""

from __future__ import annotations

import io
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from documents.models import Document, Version
from documents.services.files import document_update, version_upload
from documents.services.folders import conversation_root
from messaging.services import conversation_create
from portal.accounts.models import User
from tests.factories import documents as factories
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.api import api_client


def make_document(
    owner: User, *, name: str = "Приказ о командировке", conversation: Any = None
) -> Document:
    """A file document with version 1 (a small PDF) in the owner's root folder, or in the
    root of a conversation the owner is in, uploaded through the files services."""
    folder = None
    if conversation is not None:
        folder = conversation_root(actor=owner, conversation_id=conversation.pk)
    document = factories.make_document(owner, folder=folder, filename=f"{name}.pdf")
    if document.name != name:
        document_update(actor=owner, document_id=document.pk, name=name)
    document.refresh_from_db()
    return document


def add_version(document: Document, author: User) -> Version:
    """A new version uploaded through the files services (which send ``version_adding``
    and ``version_created``)."""
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n2 0 obj\n<<>>\nendobj\n" + uuid.uuid4().bytes
    return version_upload(
        actor=author, document_id=document.pk, stream=io.BytesIO(data), filename="v.pdf",
        length=len(data),
    )  # fmt: skip


@pytest.fixture
def scene(db):
    agency = AgencyFactory.create(short_name="01-15")
    people = {
        login: UserFactory.create(login=login, agency=agency, last_name=login.capitalize())
        for login in ("owner", "anna", "boris", "vera", "signer", "manager", "deputy")
    }
    outsider = UserFactory.create(login="outsider", agency=agency)
    stranger = UserFactory.create(login="stranger")  # another agency
    document = make_document(people["owner"])
    return SimpleNamespace(
        agency=agency, document=document, outsider=outsider, stranger=stranger,
        c={login: api_client(u) for login, u in [*people.items(), ("outsider", outsider)]},
        **people,
    )  # fmt: skip


def route_body(*stages: list[User], mode: str = "all", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "stages": [
            {"approver_ids": [str(u.pk) for u in approvers], "mode": mode, "duration_hours": 48}
            for approvers in stages
        ],
        "on_new_version": "restart",
    }
    body.update(extra)
    return body


def start(client: Any, document: Document, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/documents/{document.pk}/route", body, format="json")


def decide(client: Any, document: Document, decision: str = "approve", comment: str = "") -> Any:
    return client.post(
        f"/api/v1/documents/{document.pk}/route/decide",
        {"decision": decision, "comment": comment},
        format="json",
    )


def group_with(owner: User, *members: User) -> Any:
    return conversation_create(
        actor=owner, kind="group", title="Канцелярия", member_ids=[m.pk for m in members]
    )
