"""Sending a message costs a fixed number of queries, however many members will get it:
the hot path of the whole product (docs/performance.md)."""

from __future__ import annotations

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client

# Authentication 1; access with the conversation lock 1; the client id 1; the sender's
# permissions 1 (messaging/permissions.py); members 1; conversation head 1; the message 1;
# the event log 2; read state 1.
SEND_QUERIES = 10


def _queries_of_a_send(members: int) -> list[str]:
    users = [UserFactory.create() for _ in range(members)]
    client = api_client(users[0])
    response = client.post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Штаб", "member_ids": [str(u.pk) for u in users[1:]]},
        format="json",
    )
    url = f"/api/v1/conversations/{response.json()['id']}/messages"
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, {"client_id": str(uuid.uuid4()), "body": "Привет **всем**"}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["reactions"] == [] and response.json()["attachments"] == []
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_send_makes_the_same_few_queries_for_3_or_30_members(db):
    small, large = _queries_of_a_send(3), _queries_of_a_send(30)
    assert len(small) == len(large) == SEND_QUERIES, "\n".join(large)
