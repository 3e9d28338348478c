"""The OpenAPI schema is a complete contract: valid, every operation with a named success
body and the shared Error component on its error answers, strict request bodies, one list
envelope, and the websocket events and frames beside the REST operations."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from django.test import Client
from openapi_spec_validator import validate

from tests.helpers.schema import (
    assert_event_matches_schema,
    assert_frame_matches_schema,
    openapi_schema,
)

ERROR_REF = "#/components/schemas/Error"


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return openapi_schema()


@pytest.mark.django_db
def test_served_as_json_by_default_and_yaml_on_request():
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    served = json.loads(response.content)
    validate(served)
    as_yaml = Client().get("/api/v1/schema/", {"format": "yaml"})
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content)["paths"].keys() == served["paths"].keys()
    by_accept = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert not by_accept.content.lstrip().startswith(b"{")


@pytest.mark.django_db
def test_texts_are_russian_by_default_and_english_on_request():
    russian = json.loads(Client().get("/api/v1/schema/").content)
    english = json.loads(Client().get("/api/v1/schema/", {"lang": "en"}).content)
    assert english["info"]["title"] == "Portal API"
    assert russian["info"]["title"] != english["info"]["title"]
    error_400 = russian["paths"]["/api/v1/auth/login"]["post"]["responses"]["400"]
    assert "validation_failed" in error_400["description"]
    assert (
        error_400["description"]
        != (english["paths"]["/api/v1/auth/login"]["post"]["responses"]["400"]["description"])
    )
    # The docs page loads the schema in its own language (the URL is in the page, or in
    # its script where the page has no inline script).
    for language in ("ru", "en"):
        page = Client().get("/api/docs/", HTTP_ACCEPT_LANGUAGE=language)
        script = Client().get("/api/docs/", {"script": ""}, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        loaded = (page.content + script.content).decode().replace("\\u003D", "=")
        assert f"lang={language}" in loaded, loaded[-600:]


def test_every_operation_has_a_title_in_both_languages(schema):
    from django.utils import translation

    from portal.api.summaries import SUMMARIES

    for method, path, operation in _operations(schema):
        assert operation.get("summary"), (method, path, operation["operationId"])
    assert set(SUMMARIES) == {operation["operationId"] for *_, operation in _operations(schema)}
    for key, text in SUMMARIES.items():
        with translation.override("en"):
            english = str(text)
        with translation.override("ru"):
            assert str(text) != english, key


def test_every_operation_has_a_description_in_both_languages(schema):
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator

    from portal.api.descriptions import DESCRIPTIONS

    operation_ids = {operation["operationId"] for *_, operation in _operations(schema)}
    assert set(DESCRIPTIONS) == operation_ids  # an entry for each, no stale keys
    with translation.override("en"):
        for method, path, operation in _operations(schema):
            expected = str(DESCRIPTIONS[operation["operationId"]])
            assert operation.get("description") == expected, (method, path)
    with translation.override("ru"):
        russian = SchemaGenerator().get_schema(request=None, public=True)
    for method, path, operation in _operations(russian):
        english = schema["paths"][path][method.lower()]["description"]
        assert operation["description"] != english, (method, path)
        assert re.search("[а-яё]", operation["description"], re.IGNORECASE), (method, path)


def test_a_description_given_by_the_view_wins_and_the_docstring_is_the_fallback():
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.utils import extend_schema
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Documented(APIView):
        @extend_schema(operation_id="me_retrieve", description="Given by the view.")
        def get(self, request: Any) -> Response:
            return Response({})

    class Undocumented(APIView):
        """The view's own docstring."""

        @extend_schema(operation_id="not_in_the_table")
        def get(self, request: Any) -> Response:
            return Response({})

    patterns = [path("given", Documented.as_view()), path("fallback", Undocumented.as_view())]
    paths = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)["paths"]
    assert paths["/given"]["get"]["description"] == "Given by the view."
    assert paths["/fallback"]["get"]["description"] == "The view's own docstring."


def test_every_operation_documents_a_named_success_body(schema):
    for method, path, operation in _operations(schema):
        successes = {code: r for code, r in operation["responses"].items() if code < "300"}
        assert successes, (method, path)
        for code, response in successes.items():
            if code == "204":
                assert "content" not in response, (method, path)
                continue
            content = response.get("content")
            assert content, (method, path, code)
            for media, body in content.items():
                if media == "application/json":
                    assert "$ref" in body["schema"], (method, path, code, body)
                else:  # a file download
                    assert body["schema"] == {"type": "string", "format": "binary"}, (path, media)


def test_error_answers_reference_the_one_error_component(schema):
    for method, path, operation in _operations(schema):
        errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
        assert errors, (method, path)
        for code, response in errors.items():
            assert response["content"] == {"application/json": {"schema": {"$ref": ERROR_REF}}}, (
                method,
                path,
                code,
            )
            assert response["description"], (method, path, code)
    error = schema["components"]["schemas"]["Error"]
    body = schema["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    assert set(body["required"]) == {"code", "message", "details"}
    assert body["properties"]["details"]["type"] == "object"


def test_error_statuses_follow_the_rules(schema):
    paths = schema["paths"]

    def codes(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    # Any request: 400, 414, 503; bodies: 413, 415; signed-in: 401, 403; objects: 404;
    # throttled: 429.
    assert {"400", "413", "415", "429"} <= codes("/api/v1/auth/login", "post")
    assert {"401", "403", "404", "429"} <= codes("/api/v1/messages/{message_id}/pin", "post")
    assert "413" not in codes("/api/v1/messages/{message_id}/pin", "post")
    # 404: a conference guest's pass, on any endpoint but its conference's (docs/api.md).
    assert codes("/api/v1/me", "get") == {"200", "400", "401", "403", "404", "414", "429", "503"}
    assert codes("/api/v1/auth/csrf", "get") == {"200", "400", "414", "429", "503"}
    assert "404" in codes("/api/v1/admin/policies", "get")  # staff only: 404 to the others
    assert "404" in codes("/api/v1/conversations/direct", "post")  # a user id in the body
    assert "409" in codes("/api/v1/messages/{message_id}/vote", "post")
    assert "503" in codes("/api/v1/conversations/{conversation_id}/attachments", "post")
    for status in ("429", "503"):
        retry = paths["/api/v1/me"]["get"]["responses"][status]["headers"]["Retry-After"]
        assert retry["schema"] == {"type": "integer"}


def test_request_bodies_refuse_unknown_fields(schema):
    components = schema["components"]["schemas"]
    refs = []
    for method, path, operation in _operations(schema):
        for body in operation.get("requestBody", {}).get("content", {}).values():
            if body["schema"] == {"type": "string", "format": "binary"}:
                continue  # a raw upload (a part of a resumable upload): no fields
            refs.append((method, path, body["schema"]["$ref"].rsplit("/", 1)[1]))
    assert len(refs) > 30
    for method, path, name in refs:
        assert components[name].get("additionalProperties") is False, (method, path, name)
    # Nested inputs too.
    assert components["DeviceRequest"]["additionalProperties"] is False
    assert components["MentionsRequest"]["additionalProperties"] is False


def test_every_list_is_the_one_envelope(schema):
    components = schema["components"]["schemas"]
    lists = []
    for method, path, operation in _operations(schema):
        for code, response in operation["responses"].items():
            body = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert body.get("type") != "array", (method, path, code)  # no bare arrays
            name = body.get("$ref", "").rsplit("/", 1)[-1]
            if not name.startswith("Paginated"):
                continue
            lists.append(path)
            envelope = components[name]
            assert set(envelope["required"]) == {"results", "next", "previous"}, name
            assert envelope["properties"]["next"]["type"] == ["string", "null"], name
            assert envelope["properties"]["results"]["type"] == "array", name
            query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            single_page = path in (
                "/api/v1/search/messages",
                "/api/v1/conversations",
                "/api/v1/conversations/{conversation_id}/pins",
                "/api/v1/approvals/inbox",
                "/api/v1/calls/active",
            )
            assert single_page or {"cursor", "limit"} <= query, path
    for path in (
        "/api/v1/users", "/api/v1/agencies", "/api/v1/agencies/{agency_id}/departments",
        "/api/v1/auth/sessions", "/api/v1/conversations", "/api/v1/conversations/discover",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/conversations/{conversation_id}/scheduled",
        "/api/v1/messages/{message_id}/edits", "/api/v1/notifications",
        "/api/v1/search/messages", "/api/v1/admin/devices",
        "/api/v1/admin/devices/{device_id}/commands", "/api/v1/admin/policies",
        "/api/v1/calls",
    ):  # fmt: skip
        assert path in lists, path
    thread = components["ThreadPage"]
    assert {"results", "next", "previous", "root", "following"} == set(thread["required"])


def test_ids_and_timestamps_have_their_formats(schema):
    message = schema["components"]["schemas"]["Message"]["properties"]
    assert message["id"] == {"type": "string", "format": "uuid"}
    assert message["author_id"] == {"type": ["string", "null"], "format": "uuid"}
    assert message["created_at"] == {"type": "string", "format": "date-time"}
    assert message["seq"] == {"type": "integer"}
    frame = schema["components"]["schemas"]["EventFrame"]["properties"]
    assert frame["id"] == {"type": "integer"}
    sync = schema["components"]["schemas"]["Sync"]["properties"]
    assert sync["last_event_id"]["type"] == "integer"


def test_websocket_events_and_frames_are_documented(schema):
    events = schema["x-websocket-events"]
    assert set(events) == {
        "message.add", "message.update", "message.remove",
        "hidden_message.add", "hidden_message.remove",
        "membership.add", "membership.remove", "member_settings.update", "membership.update",
        "read.update", "reaction.add", "reaction.remove", "pin.add", "pin.remove",
        "conversation.update", "thread.update", "poll.update", "device.command",
        "policy.update", "stream.follow", "stream.unfollow", "test.ping",
        "document.add", "document.update", "document.remove", "document_version.add",
        "document_share.add", "document_share.update", "document_share.remove",
        "approval.add", "approval.update",
        "document_preview.update",
        "conference.add", "conference.update",
        "conference_participant.update", "conference_reminder.add",
        "call.incoming", "call.update", "call.answered_elsewhere",
    }  # fmt: skip
    components = schema["components"]["schemas"]
    for name, ref in events.items():
        component = components[ref["$ref"].rsplit("/", 1)[1]]
        type_, op = name.split(".")
        assert type_ in component["properties"]["type"]["enum"], name
        assert op in component["properties"]["op"]["enum"], name
    frames = schema["x-websocket-frames"]
    assert set(frames["server"]) == {
        "ready", "event", "ack", "error", "resync_required", "pong", "typing", "presence",
        "call.signal", "conference.signal",
    }  # fmt: skip
    assert set(frames["client"]) == {
        "auth", "resume", "ping", "typing", "presence", "message.send", "call.signal",
        "conference.signal",
    }  # fmt: skip
    event_frame = components["EventFrame"]["properties"]["event"]
    assert event_frame == {"$ref": "#/components/schemas/WebsocketEvent"}
    assert len(components["WebsocketEvent"]["oneOf"]) == len(set(map(str, events.values())))


def test_event_check_refuses_what_the_schema_does_not_say():
    assert_event_matches_schema({"type": "policy", "op": "update"})
    with pytest.raises(AssertionError):
        assert_event_matches_schema({"type": "policy", "op": "update", "extra": 1})
    with pytest.raises(AssertionError):
        assert_event_matches_schema({"type": "read", "op": "update", "seq": "1"})
    with pytest.raises(AssertionError, match="not in the schema"):
        assert_event_matches_schema({"type": "nothing", "op": "never"})


def test_frame_check_refuses_what_the_schema_does_not_say():
    assert_frame_matches_schema({"type": "pong"})
    assert_frame_matches_schema(
        {"type": "event", "id": 7, "event": {"type": "policy", "op": "update"}}
    )
    with pytest.raises(AssertionError):
        assert_frame_matches_schema({"type": "pong", "extra": 1})
    with pytest.raises(AssertionError):
        assert_frame_matches_schema({"type": "event", "id": 7, "event": {"type": "x", "op": "y"}})
    with pytest.raises(AssertionError, match="not in the schema"):
        assert_frame_matches_schema({"type": "hello"})


def test_error_codes_are_derived_and_their_statuses_documented(schema):
    for method, path, operation in _operations(schema):
        for code, status in operation.get("x-error-codes", {}).items():
            assert str(status) in operation["responses"], (method, path, code, status)
    paths = schema["paths"]
    vote = paths["/api/v1/messages/{message_id}/vote"]["post"]["x-error-codes"]
    assert vote["poll_closed"] == 409 and vote["message_not_found"] == 404
    login = paths["/api/v1/auth/login"]["post"]["x-error-codes"]
    assert {"invalid_credentials", "otp_required", "login_throttled"} <= set(login)
    leave = paths["/api/v1/conversations/{conversation_id}/members/{user_id}"]["delete"]
    assert leave["x-error-codes"]["owner_cannot_leave"] == 409 and "409" in leave["responses"]
    # Signed-in operations list the authentication's codes too.
    assert "token_expired" in paths["/api/v1/me"]["get"]["x-error-codes"]


def test_errors_raised_follows_calls_into_services_and_selectors():
    from messaging.services import poll_vote
    from portal.api.error_codes import errors_raised
    from portal.api.pagination import page

    found = errors_raised(poll_vote)
    assert found["poll_closed"] == 409  # raised in the service
    assert found["message_not_found"] == 404  # raised in the access selector it calls
    assert errors_raised(page) == {}
