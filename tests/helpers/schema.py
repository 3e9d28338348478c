"""Checks API answers against the OpenAPI schema the server publishes.

``assert_matches_schema(response)`` finds the operation of a test client's response, and
fails unless its status is documented there and its JSON body matches the documented
schema. Objects are checked closed (``additionalProperties: false`` on every component
that lists its properties), so a field the server sends but the schema leaves out fails
too. The API clients of tests/helpers/api.py check every answer this way.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from openapi_schema_validator import OAS31Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_URI = "urn:portal-openapi"


@functools.cache
def openapi_schema() -> dict[str, Any]:
    """The schema as /api/v1/schema/ serves it (JSON, English)."""
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(schema))


@functools.cache
def _closed_schema() -> dict[str, Any]:
    schema = json.loads(json.dumps(openapi_schema()))
    for component in schema["components"]["schemas"].values():
        if component.get("type") == "object" and "properties" in component:
            component.setdefault("additionalProperties", False)
    return schema


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], str]]:
    """Path patterns, literal segments before parameters (``/conversations/direct`` is not
    ``/conversations/{conversation_id}``)."""
    patterns = []
    for template in openapi_schema()["paths"]:
        regex = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", template))
        patterns.append((re.compile(f"^{regex}$"), template))
    return sorted(patterns, key=lambda item: item[1].count("{"))


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """``(path template, operation)`` of a request, or None if the schema has none."""
    paths = openapi_schema()["paths"]
    for pattern, template in _operations():
        if pattern.match(path) and method.lower() in paths[template]:
            return template, paths[template][method.lower()]
    return None


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def assert_matches_schema(response: Any) -> None:
    """The answer's status is documented for its operation and its body matches."""
    method, path = response.request["REQUEST_METHOD"], response.request["PATH_INFO"]
    found = find_operation(method, path)
    if found is None:
        return  # not an operation of the API (an unknown path, a method it does not take)
    template, operation = found
    status = str(response.status_code)
    responses = operation["responses"]
    assert status in responses, (
        f"{method} {template} answered {status}, which the schema does not document "
        f"(documented: {sorted(responses)}): {response.content[:300]!r}"
    )
    content = responses[status].get("content")
    if not content or "application/json" not in content:
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    pointer = _pointer(
        "paths", template, method.lower(), "responses", status, "content", "application/json"
    )
    _assert_valid(response.json(), f"#/{pointer}/schema", f"{method} {template} {status}")


def assert_event_matches_schema(event: dict[str, Any]) -> None:
    """A published event is listed under ``x-websocket-events`` by its ``type.op`` and
    matches the component it names."""
    name = f"{event.get('type')}.{event.get('op')}"
    listed = openapi_schema()["x-websocket-events"]
    assert name in listed, f"the event {name} is not in the schema's x-websocket-events"
    _assert_valid(event, listed[name]["$ref"], f"the event {name}")


def assert_frame_matches_schema(frame: dict[str, Any]) -> None:
    """A frame the websocket sent is listed under ``x-websocket-frames.server`` by its
    ``type`` and matches its component (an ``event`` frame's event too)."""
    listed = openapi_schema()["x-websocket-frames"]["server"]
    name = frame.get("type")
    assert name in listed, f"the frame {name!r} is not in the schema's x-websocket-frames"
    _assert_valid(frame, listed[name]["$ref"], f"the {name} frame")


def _assert_valid(body: Any, ref: str, what: str) -> None:
    schema = _closed_schema()
    registry: Registry = Registry().with_resource(_URI, DRAFT202012.create_resource(schema))
    validator = OAS31Validator(
        {"$ref": f"{_URI}{ref}"}, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what}: does not match the schema: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )
