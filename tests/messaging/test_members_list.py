"""``GET /conversations/{id}/members``: every current member reads who is in the
conversation, with roles, page by page; outsiders learn nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db


def _members(client, conversation_id, **params):
    response = client.get(f"/api/v1/conversations/{conversation_id}/members", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_member_reads_the_members_with_roles_in_joining_order(chat):
    chat.c["owner"].post(
        f"/api/v1/conversations/{chat.id}/members/{chat.alice.pk}/role",
        {"role": "admin"},
        format="json",
    )
    body = _members(chat.c["bob"], chat.id)
    assert body["next"] is None and body["previous"] is None
    rows = [(m["user"]["login"], m["role"]) for m in body["results"]]
    assert rows[0] == ("owner", "owner")
    assert sorted(rows[1:]) == [("alice", "admin"), ("bob", "member")]
    first = body["results"][0]
    assert set(first) == {"user", "role", "joined_at"}
    assert first["user"]["id"] == str(chat.owner.pk) and first["user"]["full_name"]


def test_members_page_with_a_cursor_and_those_who_left_are_gone(chat):
    carol = UserFactory.create(login="carol")
    chat.c["owner"].post(
        f"/api/v1/conversations/{chat.id}/members", {"user_ids": [str(carol.pk)]}, format="json"
    )
    first = _members(chat.c["owner"], chat.id, limit=2)
    assert len(first["results"]) == 2 and first["next"]
    second = _members(chat.c["owner"], chat.id, limit=2, cursor=first["next"])
    logins = [m["user"]["login"] for m in first["results"] + second["results"]]
    assert sorted(logins) == ["alice", "bob", "carol", "owner"] and second["next"] is None

    assert (
        chat.c["bob"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}").status_code
        == 204
    )
    left = {m["user"]["login"] for m in _members(chat.c["owner"], chat.id)["results"]}
    assert left == {"owner", "alice", "carol"}
    # bob left: now an outsider
    response = chat.c["bob"].get(f"/api/v1/conversations/{chat.id}/members")
    assert_api_error(response, 404, "conversation_not_found")


def test_outsiders_and_anonymous_and_bad_input(chat):
    url = f"/api/v1/conversations/{chat.id}/members"
    assert_api_error(chat.c["outsider"].get(url), 404, "conversation_not_found")
    assert api_client().get(url).status_code == 401
    assert_api_error(chat.c["owner"].get(url, {"cursor": "not-a-cursor"}), 400, "invalid_cursor")
    assert_api_error(chat.c["owner"].get(url, {"limit": "0"}), 400, "invalid")
    missing = "00000000-0000-4000-8000-000000000000"
    response = chat.c["owner"].get(f"/api/v1/conversations/{missing}/members")
    assert_api_error(response, 404, "conversation_not_found")


def test_the_query_count_does_not_grow_with_the_members(chat):
    url = f"/api/v1/conversations/{chat.id}/members"
    with CaptureQueriesContext(connection) as few:
        _members(chat.c["owner"], chat.id)
    more = [UserFactory.create() for _ in range(10)]
    chat.c["owner"].post(url, {"user_ids": [str(u.pk) for u in more]}, format="json")
    with CaptureQueriesContext(connection) as many:
        body = _members(chat.c["owner"], chat.id)
    assert len(body["results"]) == 13
    assert len(many.captured_queries) == len(few.captured_queries)
