"""One exception handler renders every API error as {"error": {code, message, details}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response

from portal.errors import PortalError
from portal.outage import database_outage

# DRF's own codes renamed where ours are clearer for clients.
_CODES = {
    "parse_error": "malformed_request",
    "unsupported_media_type": "unsupported_media_type",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "throttled": "throttled",
    "not_found": "not_found",
    "permission_denied": "permission_denied",
    "not_authenticated": "not_authenticated",
    "authentication_failed": "not_authenticated",
}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    return Response(
        {"error": {"code": code, "message": message, "details": details or {}}}, status=status
    )


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def suspicious_operation_error(exc: BaseException) -> tuple[int, str, str] | None:
    """Status, code and message for what Django raises on a request it will not read (too
    big, too many fields, a bad Host header...); None for any other exception. Shared by the
    DRF handler below and the non-DRF 400 page (portal.api.views.bad_request)."""
    if isinstance(exc, RequestDataTooBig):
        return 413, "request_too_large", _("The request body is too large.")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return 400, "too_many_fields", _("The request has too many parameters.")
    if isinstance(exc, SuspiciousOperation):
        return 400, "bad_request", _("The request cannot be accepted.")
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = database_outage(exc) or exc  # 503 with Retry-After, whatever DEBUG says
    if isinstance(exc, PortalError):
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    suspicious = suspicious_operation_error(exc)
    if suspicious is not None:
        return error_response(*suspicious)
    if isinstance(exc, ValidationError):
        # A value the ORM refused (an id that is not a UUID, a date that does not parse)
        # that no serializer checked first: the caller's input, not a server fault.
        return error_response(
            400, "validation_failed", _("Some fields are invalid."),
            {"fields": {"non_field_errors": [str(m) for m in exc.messages]}},
        )  # fmt: skip
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if not isinstance(exc, drf.APIException):
        return None  # a bug: Django logs it and answers 500 (without details in production)
    if isinstance(exc, drf.ValidationError):
        return error_response(
            400,
            "validation_failed",
            _("Some fields are invalid."),
            {"fields": _flatten(exc.detail)},
        )
    detail = exc.detail
    message = str(detail) if not isinstance(detail, dict | list) else _("Request failed.")
    code = _CODES.get(str(exc.default_code), str(exc.default_code))
    response = error_response(exc.status_code, code, message)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, drf.Throttled) and wait is not None:
        response["Retry-After"] = str(int(wait) + 1)
        response.data["error"]["details"] = {"retry_after": int(wait) + 1}
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        response.status_code = 401
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
