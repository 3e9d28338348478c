"""The server takes exactly what the schema allows: bodies of the documented JSON types,
``limit`` from 1 to 200, boolean query parameters as ``true``/``false``, ids as ids; and
lists answer the one envelope whose cursors are passed back as ``?cursor=``."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from messaging.models import Membership, Message
from tests.helpers.api import assert_api_error
from tests.helpers.schema import assert_matches_schema
from tests.messaging.conftest import send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/notifications/read", {"all": 1}, "all"),
        ("/api/v1/notifications/read", {"ids": ["1"]}, "ids"),
        ("/api/v1/conversations/{id}/read", {"seq": "1"}, "seq"),
        ("/api/v1/conversations/{id}/read", {"seq": True}, "seq"),
        ("/api/v1/conversations/{id}/messages", {"client_id": 7, "body": "x"}, "client_id"),
        ("/api/v1/conversations/{id}/members", {"user_ids": [1]}, "user_ids"),
        ("/api/v1/conversations/{id}/messages", {"client_id": "c", "mentions": {"all": 0}},
         "mentions"),
    ],
)  # fmt: skip
def test_a_value_of_another_json_type_is_refused_and_changes_nothing(chat, path, body, field):
    before = (Message.objects.count(), Membership.objects.count())
    response = chat.c["owner"].post(path.format(id=chat.id), body, format="json")
    error = assert_api_error(response, 400, "validation_failed")
    assert field in error["details"]["fields"], error
    assert (Message.objects.count(), Membership.objects.count()) == before


def test_the_wrong_type_is_named_in_the_users_language(chat):
    url = f"/api/v1/conversations/{chat.id}/read"
    response = chat.c["owner"].post(url, {"seq": "1"}, format="json")
    assert response.json()["error"]["details"]["fields"]["seq"] == ["Ожидалось целое число."]
    chat.c["owner"].patch("/api/v1/me", {"language": "en"}, format="json")
    response = chat.c["owner"].post(url, {"seq": "1"}, format="json")
    assert response.json()["error"]["details"]["fields"]["seq"] == ["Expected a whole number."]
    # The unknown field and the bad one are both named.
    response = chat.c["owner"].post(url, {"seq": "1", "extra": 1}, format="json")
    assert set(response.json()["error"]["details"]["fields"]) == {"seq", "extra"}


@pytest.mark.parametrize("limit", ["0", "201", "-1", "many", "1e2", "٣", ""])
def test_a_limit_outside_1_to_200_is_refused(chat, limit):
    for url in (
        "/api/v1/users",
        "/api/v1/auth/sessions",
        f"/api/v1/conversations/{chat.id}/messages",
        f"/api/v1/conversations/{chat.id}/scheduled",
    ):
        assert_api_error(chat.c["owner"].get(url, {"limit": limit}), 400, "invalid")


def test_limits_at_the_bounds_are_taken(chat):
    for limit in ("1", "200"):
        assert chat.c["owner"].get("/api/v1/users", {"limit": limit}).status_code == 200


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/notifications", {"unread": "yes"}),
        ("/api/v1/users", {"subdepartments": "0"}),
        ("/api/v1/search/messages", {"q": "слово", "has_file": "1"}),
        ("/api/v1/users", {"agency": "not-an-id"}),
    ],
)
def test_query_flags_and_ids_take_only_their_documented_values(chat, path, params):
    assert_api_error(chat.c["owner"].get(path, params), 400, "validation_failed")


def test_pages_follow_with_the_bare_cursor(chat):
    for n in range(3):
        send(chat.c["alice"], chat.id, f"m{n}")
    client = chat.c["owner"]
    first = client.get("/api/v1/users", {"limit": 2}).json()
    assert set(first) == {"results", "next", "previous"} and first["previous"] is None
    assert "/" not in first["next"] and "?" not in first["next"]  # a cursor, not a URL
    second = client.get("/api/v1/users", {"limit": 2, "cursor": first["next"]}).json()
    assert second["previous"]
    assert {u["id"] for u in first["results"]}.isdisjoint(u["id"] for u in second["results"])
    thread_root = send(chat.c["alice"], chat.id, "root").json()["id"]
    for n in range(3):
        client.post(
            f"/api/v1/conversations/{chat.id}/messages",
            {"client_id": f"r{n}", "body": f"r{n}", "thread_root": thread_root},
            format="json",
        )
    url = f"/api/v1/messages/{thread_root}/thread"
    page = client.get(url, {"limit": 2}).json()
    assert [m["body"] for m in page["results"]] == ["r0", "r1"] and page["root"]["body"] == "root"
    rest = client.get(url, {"limit": 2, "cursor": page["next"]}).json()
    assert [m["body"] for m in rest["results"]] == ["r2"]
    assert_api_error(client.get(url, {"cursor": "abc"}), 400, "invalid_cursor")


class _Response(SimpleNamespace):
    """Just enough of a test client's response for the schema check."""

    def __getitem__(self, key: str) -> str:
        return "application/json"

    def json(self) -> object:
        return json.loads(self.content)


def test_an_undocumented_status_or_field_fails_the_schema_check():
    def response(status: int, body: bytes) -> _Response:
        request = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/notifications/settings"}
        return _Response(request=request, status_code=status, content=body)

    assert_matches_schema(response(200, b'{"email_digest": true}'))
    with pytest.raises(AssertionError, match="does not document"):
        assert_matches_schema(response(418, b"{}"))
    with pytest.raises(AssertionError, match="does not match"):
        assert_matches_schema(response(200, b'{"email_digest": true, "extra": 1}'))
    with pytest.raises(AssertionError, match="does not match"):
        assert_matches_schema(response(200, b'{"email_digest": "yes"}'))
