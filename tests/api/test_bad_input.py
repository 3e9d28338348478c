"""Input that must never reach a 500: characters PostgreSQL cannot store, JSON too deep or
not JSON at all, forged cursors, oversized query strings, Django's own 400/404/405 pages.
Each answers in the error format and writes nothing."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Sequence
from types import SimpleNamespace

import pytest
from django.test import Client

from messaging.models import Conversation, Message
from portal.accounts.models import AuthSession
from portal.audit.models import AuditEvent
from portal.devices.models import Policy
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, assert_api_error
from tests.messaging.conftest import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(db):
    alice = UserFactory.create(login="alice")
    bob = UserFactory.create(login="bob")
    staff = UserFactory.create(login="it-staff", is_staff=True)
    client = api_client(alice)
    conversation = client.post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Бюджет", "member_ids": [str(bob.pk)]},
        format="json",
    ).json()
    message = send(client, conversation["id"], "Первое").json()
    client.patch(f"/api/v1/messages/{message['id']}", {"body": "Правка"}, format="json")
    return SimpleNamespace(
        alice=alice, bob=bob, client=client, staff=api_client(staff),
        conversation=conversation["id"], message=message["id"],
    )  # fmt: skip


def _counts() -> dict[str, int]:
    return {
        "messages": Message.objects.count(),
        "conversations": Conversation.objects.count(),
        "sessions": AuthSession.objects.count(),
        "policies": Policy.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def unchanged() -> Iterator[None]:
    """The test's requests change no row of the tables bad input could reach."""
    before = _counts()
    yield
    assert _counts() == before


def _json_endpoints(scene):
    """(method, path, a valid body with BAD where the bad text goes, who sends it)."""
    return [
        ("post", "/api/v1/auth/login",
         {"login": "alice", "password": "BAD", "device": {"id": "d1", "platform": "android"}},
         None),
        ("post", "/api/v1/conversations", {"kind": "group", "title": "BAD", "member_ids": []},
         scene.client),
        ("post", f"/api/v1/conversations/{scene.conversation}/messages",
         {"client_id": "c1", "body": "текст BAD"}, scene.client),
        ("post", f"/api/v1/conversations/{scene.conversation}/messages",
         {"client_id": "c2", "body": "текст", "mentions": {"users": ["BAD"]}}, scene.client),
        ("patch", "/api/v1/me", {"phone": "BAD"}, scene.client),
        ("post", "/api/v1/admin/policies", {"name": "Политика", "rules": {"note": "BAD"}},
         scene.staff),
    ]  # fmt: skip


def _raw(body: object, bad: str) -> str:
    return json.dumps(body).replace("BAD", bad)


@pytest.mark.parametrize("bad", ["\\u0000", "a\\u0000b", "\\ud800", "x\\udfffy"])
def test_unstorable_characters_in_json_bodies_are_refused(scene, unchanged, bad):
    for method, path, body, client in _json_endpoints(scene):
        response = getattr(client or api_client(), method)(
            path, _raw(body, bad), content_type="application/json"
        )
        error = assert_api_error(response, 400, "invalid_characters")
        assert error["details"]["field"], (path, error)


def test_the_offending_field_is_named_by_its_path(scene, unchanged):
    body = {"client_id": "c1", "body": "x", "mentions": {"users": ["ok", "BAD"]}}
    response = scene.client.post(
        f"/api/v1/conversations/{scene.conversation}/messages",
        _raw(body, "\\u0000"),
        content_type="application/json",
    )
    error = assert_api_error(response, 400, "invalid_characters")
    assert error["details"] == {"field": "mentions.users[1]"}


def test_unstorable_characters_in_json_keys_are_refused(scene, unchanged):
    response = scene.client.patch(
        "/api/v1/me", '{"ph\\u0000one": "1"}', content_type="application/json"
    )
    error = assert_api_error(response, 400, "invalid_characters")
    assert error["details"] == {"field": "ph\ufffdone"}


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/search/messages?q=a%00b",
        "/api/v1/users?q=%00",
        "/api/v1/users?cursor=%00",
        "/api/v1/conversations?q=%00",
        "/api/v1/conversations/discover?q=x%00",
        "/api/v1/presence?user_ids=%00",
        "/api/v1/notifications?unread=%00",
        "/api/v1/users?q%00=x",
        "/api/v1/users?q=%ED%A0%80",  # a surrogate encoded as UTF-8: decoded as U+FFFD
    ],
)
def test_unstorable_characters_in_query_parameters_are_refused(scene, unchanged, query):
    response = scene.client.get(query)
    if query.endswith("%ED%A0%80"):
        assert response.status_code == 200  # not a NUL once decoded: simply no match
        return
    error = assert_api_error(response, 400, "invalid_characters")
    assert "parameter" in error["details"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/%00",
        "/api/v1/conversations/%00/messages",
        "/api/v1/messages/x%00/reactions/%00",
        "/api/v1/no-such-thing%00",
        "/admin/%00",
        "/admin/accounts/user/%00/change/",
    ],
)
def test_unstorable_characters_in_paths_are_refused(scene, unchanged, path):
    for method in ("get", "post", "delete"):
        response = getattr(scene.client, method)(path)
        error = assert_api_error(response, 400, "invalid_characters")
        assert "path" in error["details"]


def _multipart(boundary: str, parts: Sequence[tuple[str, str | None, bytes]]) -> bytes:
    lines = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        lines += [f"--{boundary}".encode(), f"Content-Disposition: {disposition}".encode()]
        if filename is not None:
            lines.append(b"Content-Type: text/plain")
        lines += [b"", content]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines)


@pytest.mark.parametrize(
    "parts",
    [
        [("file", "report.txt", b"hello"), ("note", None, b"a\x00b")],
        [("file", "report.txt", b"hello"), ("no\x00te", None, b"x")],
    ],
    ids=["field-value", "field-name"],
)
@pytest.mark.parametrize("target", ["attachment", "avatar"])
def test_unstorable_characters_in_multipart_forms_are_refused(scene, unchanged, parts, target):
    from messaging.models import Attachment

    path = {
        "attachment": f"/api/v1/conversations/{scene.conversation}/attachments",
        "avatar": "/api/v1/me/avatar",
    }[target]
    before = Attachment.objects.count()
    response = getattr(scene.client, "post" if target == "attachment" else "put")(
        path, _multipart("b0undary", parts), content_type="multipart/form-data; boundary=b0undary"
    )
    assert_api_error(response, 400, "invalid_characters")
    assert Attachment.objects.count() == before


def test_nul_in_an_uploaded_file_name_is_dropped(scene):
    # Django's multipart parser drops NUL from file names itself (the name is stored
    # without it); this pins that, since our own check would refuse it otherwise.
    response = scene.client.post(
        f"/api/v1/conversations/{scene.conversation}/attachments",
        _multipart("b0undary", [("file", "отчёт\x00.txt", b"hello")]),
        content_type="multipart/form-data; boundary=b0undary",
    )
    assert response.status_code == 201, response.content
    assert response.json()["filename"] == "отчёт.txt"


@pytest.mark.parametrize("depth", [65, 1000, 10_000, 100_000])
def test_deeply_nested_json_is_malformed(scene, unchanged, depth):
    deep = "[" * depth + "]" * depth
    for method, path, body, client in _json_endpoints(scene):
        raw = json.dumps(body)
        if '"BAD"' not in raw:
            continue
        raw = raw.replace('"BAD"', deep)
        response = getattr(client or api_client(), method)(
            path, raw, content_type="application/json"
        )
        assert_api_error(response, 400, "malformed_request")


def test_json_as_deep_as_the_limit_reaches_validation(scene, unchanged):
    # 64 levels in all: the document and the "mentions" object count as two of them.
    deep = "[" * 62 + "]" * 62
    raw = '{"client_id": "c", "body": "x", "mentions": {"users": DEEP}}'.replace("DEEP", deep)
    response = scene.client.post(
        f"/api/v1/conversations/{scene.conversation}/messages",
        raw,
        content_type="application/json",
    )
    assert_api_error(response, 400, "validation_failed")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "group", "title": NaN}',
        b'{"kind": "group", "title": Infinity}',
        b'{"kind": "group", "title": -Infinity}',
        b'{"kind": "group", "title": "\xff\xfe"}',
        b'{"kind": "group", "title": "\\ud800',
        b"   ",
        b"{",
        b'{"kind": "group"} trailing',
    ],
)
def test_what_is_not_json_is_malformed(scene, unchanged, raw):
    response = scene.client.post("/api/v1/conversations", raw, content_type="application/json")
    assert_api_error(response, 400, "malformed_request")


@pytest.mark.parametrize(
    "body",
    [[], "text", 1, None, {"kind": ["group"], "title": {"a": 1}, "member_ids": "x"}],
)
def test_json_of_the_wrong_shape_is_a_validation_error(scene, unchanged, body):
    response = scene.client.post("/api/v1/conversations", body, format="json")
    assert_api_error(response, 400, "validation_failed")


def test_an_empty_body_is_an_empty_object(scene, unchanged):
    response = scene.client.post("/api/v1/conversations", b"", content_type="application/json")
    error = assert_api_error(response, 400, "validation_failed")
    assert "kind" in error["details"]["fields"]


def _b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


BAD_CURSORS = [
    "garbage",
    "%FF%FE",
    "Zm9v!!",
    "x" * 5000,
    _b64(b"\xff\xfe junk"),
    _b64(b"junk"),
    _b64(b"p=%00"),
    _b64(b"p=%ED%A0%80"),
    _b64(b"o=999999999999"),
    _b64(b"o=1001"),
    _b64(b"o=-1"),
    _b64(b"o=1.5"),
    _b64(b"r=2"),
    _b64(b"o=1&o=2"),
    _b64(b"x=1"),
]


def _paginated(scene):
    return [
        (scene.client, "/api/v1/users"),
        (scene.client, "/api/v1/notifications"),
        (scene.client, f"/api/v1/messages/{scene.message}/edits"),
        (scene.staff, "/api/v1/admin/devices"),
    ]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_forged_cursors_are_invalid(scene, unchanged, cursor):
    for client, path in _paginated(scene):
        response = client.get(f"{path}?cursor={cursor}")
        assert_api_error(response, 400, "invalid_cursor")


@pytest.mark.parametrize(
    "client_name,path,position",
    [
        ("client", "/api/v1/users", b"p=not-a-name-but-fine"),  # a text field takes any text
        ("client", "/api/v1/notifications", b"p=12x"),  # ordered by a number
        ("client", "/api/v1/notifications", b"p=99999999999999999999999"),
        ("staff", "/api/v1/admin/devices", b"p=yesterday"),  # ordered by a timestamp
        ("staff", "/api/v1/admin/devices", b"p=None"),
    ],
)
def test_cursor_positions_must_fit_the_ordering(scene, unchanged, client_name, path, position):
    response = getattr(scene, client_name).get(path, {"cursor": _b64(position)})
    if position.startswith(b"p=not-a-name"):
        assert response.status_code == 200, response.content
    else:
        assert_api_error(response, 400, "invalid_cursor")


def test_the_cursors_we_issue_still_work(scene):
    for n, name in enumerate(["Абрамов", "Борисов", "Воронин"]):
        UserFactory.create(login=f"extra{n}", last_name=name, agency=scene.alice.agency)
    first = scene.client.get("/api/v1/users", {"limit": 2}).json()
    assert first["next"]
    second = scene.client.get("/api/v1/users", {"limit": 2, "cursor": first["next"]})
    assert second.status_code == 200, second.content
    back = scene.client.get("/api/v1/users", {"limit": 2, "cursor": second.json()["previous"]})
    assert back.status_code == 200, back.content
    assert [u["id"] for u in back.json()["results"]] == [u["id"] for u in first["results"]]


def test_an_oversized_query_string_is_414(scene, unchanged):
    response = scene.client.get("/api/v1/users", {"q": "а" * 100_000})
    error = assert_api_error(response, 414, "query_too_long")
    assert error["details"]["limit_bytes"] == 16 * 1024


def test_too_many_query_parameters_are_400(scene, unchanged):
    query = "&".join(f"p{n}=1" for n in range(1500))
    response = scene.client.get(f"/api/v1/users?{query}")
    assert_api_error(response, 400, "too_many_fields")


def test_too_many_multipart_fields_are_400(scene, unchanged):
    parts = [("file", "a.txt", b"x")] + [(f"f{n}", None, b"1") for n in range(1500)]
    response = scene.client.post(
        f"/api/v1/conversations/{scene.conversation}/attachments",
        _multipart("bnd", parts),
        content_type="multipart/form-data; boundary=bnd",
    )
    assert_api_error(response, 400, "too_many_fields")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_a_wrong_content_type_is_415(scene, unchanged, content_type):
    response = scene.client.post(
        "/api/v1/conversations", b'{"kind": "group"}', content_type=content_type
    )
    assert_api_error(response, 415, "unsupported_media_type")


def test_a_body_declared_over_the_limit_is_413(scene, unchanged):
    response = scene.client.post(
        "/api/v1/conversations",
        b"{}",
        content_type="application/json",
        headers={"content-length": str(2 * 1024 * 1024)},
    )
    error = assert_api_error(response, 413, "request_too_large")
    assert error["details"] == {"limit_bytes": 1024 * 1024}


@pytest.mark.parametrize("path", ["/api/v1/me", "/admin/login/", "/healthz", "/no-such-page"])
def test_a_host_not_allowed_is_400_in_the_error_format(unchanged, path):
    response = Client(HTTP_HOST="evil.example").get(path)
    assert_api_error(response, 400, "bad_request")


# Outside these prefixes every path is a route of the browser client (tests/web/).
@pytest.mark.parametrize(
    "path",
    ["/api/v1/no-such-thing", "/api/no-such-page", "/api/v1/users/1", "/ws/nope", "/assets/x.js"],
)
def test_unknown_paths_are_404_in_the_error_format(scene, path):
    assert_api_error(scene.client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "method,path",
    [("put", "/api/v1/auth/login"), ("delete", "/api/v1/users"), ("post", "/api/v1/schema/"),
     ("post", "/api/docs/"), ("patch", "/api/v1/conversations")],
)  # fmt: skip
def test_wrong_methods_are_405_in_the_error_format(scene, unchanged, method, path):
    assert_api_error(getattr(scene.client, method)(path), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/conversations/not-a-uuid",
        "/api/v1/conversations/00000000-0000-0000-0000-00000000000g/messages",
        f"/api/v1/conversations/{uuid.UUID(int=0)}/messages",
    ],
)
def test_ids_that_are_not_ours_are_404(scene, unchanged, path):
    response = scene.client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"not_found", "conversation_not_found"}


def test_refusals_speak_russian_by_default_and_english_on_request(scene):
    russian = assert_api_error(scene.client.get("/api/v1/users?q=%00"), 400, "invalid_characters")
    assert russian["message"].startswith("Запрос содержит символы")
    english = api_client().get("/api/v1/users?q=%00", headers={"accept-language": "en"})
    assert assert_api_error(english, 400, "invalid_characters")["message"].startswith(
        "The request contains characters"
    )
    cursor = assert_api_error(scene.client.get("/api/v1/users?cursor=junk"), 400, "invalid_cursor")
    assert cursor["message"].startswith("Неверный курсор")
    deep = scene.client.post(
        "/api/v1/conversations", "[" * 100 + "]" * 100, content_type="application/json"
    )
    assert assert_api_error(deep, 400, "malformed_request")["message"] == (
        "Вложенность JSON-документа больше 64 уровней."
    )


def test_a_value_the_orm_refuses_is_a_validation_error_not_a_500(user, monkeypatch):
    # The safety net for input no serializer checked: Django's ValidationError from a query.
    from django.core.exceptions import ValidationError

    from messaging import selectors

    def refuse(*args, **kwargs):
        raise ValidationError("“x” is not a valid UUID.")

    monkeypatch.setattr(selectors, "conversations_of", refuse)
    response = api_client(user).get("/api/v1/conversations")
    error = assert_api_error(response, 400, "validation_failed")
    assert error["details"] == {"fields": {"non_field_errors": ["“x” is not a valid UUID."]}}
