"""The scene of the conference tests: an organizer, two invitees and an outsider, each with
a signed-in API client, and a conference starting now."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories.accounts import UserFactory
from tests.factories.conferencing import conference_for
from tests.helpers.api import SchemaCheckedClient, api_client


@pytest.fixture
def meeting(db):
    organizer, alice, bob, outsider = (
        UserFactory.create(login=login) for login in ("organizer", "alice", "bob", "outsider")
    )
    conference = conference_for(organizer, invitee_ids=[alice.pk, bob.pk])
    return SimpleNamespace(
        id=str(conference.pk), conference=conference, organizer=organizer, alice=alice,
        bob=bob, outsider=outsider,
        c={u.login: api_client(u) for u in (organizer, alice, bob, outsider)},
    )  # fmt: skip


def guest_client(token: str) -> SchemaCheckedClient:
    client = SchemaCheckedClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def url(conference_id: str, tail: str = "") -> str:
    return f"/api/v1/conferences/{conference_id}{tail}"
