"""The scene of the approval tests (imported by tests/documents/test_approval_*.py): an
agency with a document owner, approvers, a signer, a manager and an outsider, and helpers
that make documents and versions.

There is no files service on this branch yet, so a document and its versions are rows
written here, and a new version sends the two signals exactly as the files part's
``version_add`` does (documents/signals.py): ``version_adding`` with the document row
locked, before the insert, then ``version_created`` after it, in one transaction."""

from __future__ import annotations

import hashlib
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction

from documents.models import Document, Folder, Version
from documents.signals import version_adding, version_created
from messaging.services import conversation_create
from portal import clock
from portal.accounts.models import User
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.api import api_client


def make_document(
    owner: User, *, name: str = "Приказ о командировке", conversation: Any = None
) -> Document:
    """A file document with version 1 in the owner's folder (or a conversation's)."""
    assert owner.agency_id is not None
    now = clock.now()
    folder = Folder.objects.create(
        agency_id=owner.agency_id, name="Мои документы", created_by=owner, created_at=now,
        owner_user=None if conversation else owner, owner_conversation=conversation,
    )  # fmt: skip
    document = Document.objects.create(
        agency_id=owner.agency_id, folder=folder, name=name, created_by=owner,
        created_at=now, updated_at=now,
    )  # fmt: skip
    version = _version_row(document, owner, 1)
    Document.objects.filter(pk=document.pk).update(current_version=version)
    document.current_version = version
    return document


def _version_row(document: Document, author: User, number: int) -> Version:
    content = f"{document.pk} v{number}".encode()
    return Version.objects.create(
        document=document, number=number, key=f"documents/{document.pk}/{uuid.uuid4()}",
        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        content_type="application/pdf", filename="prikaz.pdf", author=author,
        created_at=clock.now(),
    )  # fmt: skip


def add_version(document: Document, author: User) -> Version:
    """A new version written the way the files part's version service does."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        version_adding.send(sender=Document, document=locked, actor=author)
        number = locked.versions.count() + 1
        version = _version_row(locked, author, number)
        Document.objects.filter(pk=locked.pk).update(current_version=version)
        version_created.send(sender=Version, version=version, actor=author)
    return version


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
