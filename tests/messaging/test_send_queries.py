"""Sending a message costs a fixed number of queries, however many members will get it:
the hot path of the whole product (docs/performance.md)."""

from __future__ import annotations

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client

# Authentication 1; the send statement 1 (messaging/services/sql.py: the conversation lock,
# membership, client id, permissions, members, mentions, conversation head, the message and
# read state); the event log 2 (portal/realtime/services.py).
SEND_QUERIES = 4
# Round trips too: the send's atomic block (a SAVEPOINT and its RELEASE inside the test's
# transaction; BEGIN and COMMIT in production); the event log takes no savepoint of its own.
SEND_STATEMENTS = SEND_QUERIES + 2


def _statements_of_a_send(members: int) -> list[str]:
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
    # Django cannot show the text of a statement bound on the server (services/sql.py).
    return [q["sql"] or "(the send statement)" for q in queries.captured_queries]


def test_a_send_makes_the_same_few_queries_for_3_or_30_members(db):
    small, large = _statements_of_a_send(3), _statements_of_a_send(30)
    assert len(small) == len(large) == SEND_STATEMENTS, "\n".join(large)
    queries = [sql for sql in large if "SAVEPOINT" not in sql]
    assert len(queries) == SEND_QUERIES, "\n".join(queries)
