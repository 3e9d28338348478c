"""The shared scene of the messaging tests: a group with an owner, two members and an
outsider, each with a signed-in API client."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client


@pytest.fixture
def chat(db):
    owner, alice, bob, outsider = (
        UserFactory.create(login=login) for login in ("owner", "alice", "bob", "outsider")
    )
    clients = {u.login: api_client(u) for u in (owner, alice, bob, outsider)}
    response = clients["owner"].post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Совещание по бюджету",
         "member_ids": [str(alice.pk), str(bob.pk)]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return SimpleNamespace(
        id=response.json()["id"], owner=owner, alice=alice, bob=bob, outsider=outsider,
        c=clients,
    )  # fmt: skip


def send(client, conversation_id, body="Привет", client_id=None):
    return client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"client_id": client_id or str(uuid.uuid4()), "body": body},
        format="json",
    )
