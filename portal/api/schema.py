"""How the OpenAPI schema documents what every view shares: its error answers, strict
request bodies, and the websocket events beside the REST operations.

Error responses are added by rule here rather than per view: 400, 414 and 503 on every
operation (every request's path, query and body are checked before the view, and the
database can be out), 401 and 403 where it needs a signed-in caller (or checks
credentials), 404 where the input names an object (in the path, or an id in the body or
query; and on staff-only endpoints, which answer 404 to everyone else), 413 and 415 where
it takes a body, 429 where a throttle applies; and every status of the domain errors its
code can raise (``x-error-codes``, portal/api/error_codes.py), such as a service's 409.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from portal.api.error_codes import errors_raised
from portal.api.permissions import IsStaffOrNotFound
from portal.api.serializers import Error, StrictInput

_BODY_METHODS = {"POST", "PUT", "PATCH"}

# Status: what it means and the error codes a client meets under it (docs/api.md).
ERROR_DESCRIPTIONS: dict[int, Any] = {
    400: _(
        "The input is invalid: validation_failed (details.fields names each field, unknown "
        "fields included), malformed_request, invalid, invalid_cursor, invalid_characters, "
        "too_many_fields or a domain code."
    ),
    401: _(
        "Not signed in or the credentials failed: not_authenticated, token_invalid, "
        "token_expired, token_revoked, invalid_credentials, otp_required, invalid_otp, "
        "account_inactive."
    ),
    403: _(
        "Refused: permission_denied, two_factor_enrolment_required, csrf_failed or a "
        "device-policy reason (device_refused)."
    ),
    404: _("Not found, or not visible to the caller: not_found or an object's *_not_found."),
    409: _("Conflicts with the object's state (the code names the conflict)."),
    412: _(
        "A precondition failed: version_conflict (the version an upload was based on is "
        "no longer the current one; nothing was stored)."
    ),
    413: _("The body is too large: request_too_large, file_too_large."),
    414: _("The query string is too long: query_too_long."),
    415: _("The body is not of a media type this operation takes: unsupported_media_type."),
    416: _("The requested range lies outside the file: range_not_satisfiable."),
    429: _("Too many requests: throttled; wait Retry-After seconds."),
    503: _(
        "Unavailable for now, nothing was done: service_unavailable (the database is "
        "unreachable; retry after Retry-After seconds) or storage_unavailable."
    ),
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": _("Seconds to wait before trying again."),
        "schema": {"type": "integer"},
    }
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the error answers and strict bodies of Portal."""

    def get_summary(self) -> str | None:
        """The operation's title from :data:`portal.api.summaries.SUMMARIES` (translated),
        unless the view gives one."""
        from portal.api.summaries import SUMMARIES

        given = super().get_summary()
        summary = SUMMARIES.get(self.get_operation_id())
        return given or (str(summary) if summary is not None else None)

    def get_description(self) -> str:  # type: ignore[override]
        """What the operation does, from :data:`portal.api.descriptions.DESCRIPTIONS`
        (translated); the view's docstring only where the table has no entry. A view's own
        ``extend_schema(description=...)`` still wins: drf-spectacular answers it before
        this method is reached."""
        from portal.api.descriptions import DESCRIPTIONS

        description = DESCRIPTIONS.get(self.get_operation_id())
        return str(description) if description is not None else super().get_description()

    def get_extensions(self) -> dict[str, Any]:
        """``x-error-codes``: the domain error codes the operation's code can raise, with
        their statuses (portal/api/error_codes.py)."""
        extensions: dict[str, Any] = super().get_extensions()
        codes = self.error_codes()
        if codes:
            extensions["x-error-codes"] = codes
        return extensions

    def error_codes(self) -> dict[str, int]:
        """The domain error codes of the view method, its queryset, its permissions and
        its authentication, with their statuses."""
        view = self.view
        sources: list[Any] = [getattr(view, self.method.lower(), None)]
        sources += [getattr(view, "get_queryset", None)]
        sources += [p.has_permission for p in view.get_permissions()]
        sources += [a.authenticate for a in view.get_authenticators()]
        codes: dict[str, int] = {}
        for source in sources:
            if source is not None:
                codes.update(errors_raised(source))
        return dict(sorted(codes.items()))

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        """``MeOutput`` is the component ``Me``; ``LoginInput`` (a request) ``LoginRequest``."""
        name: str = super().get_serializer_name(serializer, direction)
        for suffix in ("Output", "Input"):
            if name.endswith(suffix) and name != suffix:
                return name[: -len(suffix)]
        return name

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInput):
            # The server refuses unknown fields (StrictInput); so does the schema.
            schema["additionalProperties"] = False
        if direction == "response":
            # An answer always carries a field that has a default, and every field of a model
            # serializer (the model has the attribute); DRF marks them required=False only
            # because a write may leave them out. A plain serializer's required=False field
            # stays optional: that is how a payload documents a key it may omit.
            model = isinstance(serializer, serializers.ModelSerializer)
            present = {
                name
                for name, field in serializer.fields.items()
                if model or field.default is not serializers.empty
            }
            required = set(schema.get("required", [])) | (present & set(schema["properties"]))
            if required:
                schema["required"] = sorted(required)
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        error = self.resolve_serializer(Error, "response").ref
        for status in self.error_statuses():
            response = responses.setdefault(str(status), {})
            response.setdefault("description", ERROR_DESCRIPTIONS[status])
            response.setdefault("content", {"application/json": {"schema": error}})
            if status in (429, 503):
                response.setdefault("headers", _RETRY_AFTER)
        return dict(sorted(responses.items()))

    def _names_objects(self, takes_body: bool) -> bool:
        """Whether the input carries an object's id (a uuid in the query or the body),
        which answers 404 when there is no such object or the caller may not see it."""
        if any(p.get("schema", {}).get("format") == "uuid" for p in self._get_parameters()):
            return True
        serializer = self.get_request_serializer() if takes_body else None
        return serializer is not None and _has_uuid_field(force_instance(serializer))

    def error_statuses(self) -> list[int]:
        """The error statuses this operation can answer, by the rules above."""
        view = self.view
        takes_body = self.method in _BODY_METHODS and self._get_request_body() is not None
        public = any(isinstance(p, AllowAny) for p in view.get_permissions())
        # Any request: its path, query and body are checked before any view (characters,
        # sizes, counts), and the database or storage may be out.
        statuses: list[int] = [400, 414, 503]
        if not public or takes_body or self.method == "DELETE":
            statuses += [401, 403]
        staff_only = any(isinstance(p, IsStaffOrNotFound) for p in view.get_permissions())
        if "{" in self.path or staff_only or self._names_objects(takes_body):
            statuses.append(404)
        if takes_body:
            statuses += [413, 415]
        if view.get_throttles():
            statuses.append(429)
        # And whatever the code can raise (x-error-codes), e.g. a 409 of a service.
        statuses += [s for s in self.error_codes().values() if s in ERROR_DESCRIPTIONS]
        return sorted(set(statuses))


def _has_uuid_field(serializer: Any) -> bool:
    if not isinstance(serializer, serializers.BaseSerializer):
        return False
    if isinstance(serializer, serializers.ListSerializer):
        return _has_uuid_field(serializer.child)
    for field in serializer.fields.values():  # type: ignore[attr-defined]
        child = getattr(field, "child", None)
        if isinstance(field, serializers.UUIDField) or isinstance(child, serializers.UUIDField):
            return True
        if isinstance(field, serializers.BaseSerializer) and _has_uuid_field(field):
            return True
    return False
