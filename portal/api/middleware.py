"""What every request must pass before a view sees it, and the headers every answer gets.

- ``BodyLimitASGI`` (wrapped around the HTTP application in portal/asgi.py) bounds the body
  while it arrives, declared length or not (chunked transfer encoding);
- ``RequestLimitsMiddleware`` refuses oversized bodies by Content-Length, oversized or
  too many query parameters, and text the database cannot store in the path or the query;
- ``SecurityHeadersMiddleware`` keeps API answers out of every cache and gives HTML pages
  their Content-Security-Policy.

Every refusal is an answer in the API error format (docs/api.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.api.parsers import InvalidCharacters, check_text, has_bad_text, printable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Any  # Django's handlers and Channels' routers type their arguments differently


# UTF-8 as DRF's renderer writes it, not \u escapes.
_READABLE = {"ensure_ascii": False}


# URLs whose bodies are raw uploads (a part of a resumable upload): path regex → limit.
_path_limits: list[tuple[re.Pattern[str], Callable[[], int]]] = []


def register_body_limit(path_pattern: str, limit: Callable[[], int]) -> None:
    """Requests whose path fully matches ``path_pattern`` may carry up to ``limit()``
    bytes of any type (an app registers its raw-upload URLs when it is ready)."""
    _path_limits.append((re.compile(path_pattern), limit))


def body_limit(content_type: str, path: str = "") -> int:
    """The largest body accepted: a registered raw-upload URL's own limit; MAX_UPLOAD_BYTES
    for multipart uploads; the JSON limit (MAX_REQUEST_BYTES) for everything else."""
    for pattern, limit in _path_limits:
        if pattern.fullmatch(path):
            return limit()
    if content_type.lower().startswith("multipart/form-data"):
        return int(settings.MAX_UPLOAD_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _error_body(code: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _too_large_message() -> str:
    return _("The request body is too large.")


def _json_error(status: int, code: str, message: str, **details: Any) -> JsonResponse:
    return JsonResponse(
        _error_body(code, message, details), status=status, json_dumps_params=_READABLE
    )


class BodyLimitASGI:
    """An ASGI wrapper that answers 413 ``request_too_large`` once a request body is over
    its limit (``body_limit``), before Django reads any of it into a file.

    A declared Content-Length over the limit is refused at once. A body without one
    (``Transfer-Encoding: chunked``) is counted as it arrives: past the limit the
    application is told the client went away (Django then drops the request unanswered)
    and this wrapper answers instead. daphne (through Twisted) receives the whole body
    before the application sees the first byte, so the proxy in front must bound it too:
    nginx's ``client_max_body_size`` (docs/operations.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        limit = body_limit(
            headers.get(b"content-type", b"").decode("latin-1"), scope.get("path", "")
        )
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # Django and daphne refuse the request themselves
            if too_large:
                await self._refuse(scope, send, limit)
                return
        received = 0
        over = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, tracking_send)
        if over and not started:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        language = _accepted(headers.get(b"accept-language", b"").decode("latin-1"))
        with translation.override(language):
            body = json.dumps(
                _error_body("request_too_large", _too_large_message(), {"limit_bytes": limit}),
                ensure_ascii=False,
            ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _accepted(accept_language: str) -> str:
    """The first supported language of an Accept-Language header, else the default (the
    refusal is made outside Django's request cycle, so LocaleMiddleware has not run)."""
    from django.utils.translation.trans_real import (
        get_supported_language_variant,
        parse_accept_lang_header,
    )

    for code, _quality in parse_accept_lang_header(accept_language):
        if code == "*":
            break
        try:
            return str(get_supported_language_variant(code))
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


class RequestLimitsMiddleware:
    """Refuses, in the API error format and before any view runs:

    - a body whose Content-Length is over ``body_limit`` → 413 ``request_too_large``;
    - a query string over MAX_QUERY_STRING_BYTES → 414 ``query_too_long``;
    - more than DATA_UPLOAD_MAX_NUMBER_FIELDS query parameters → 400 ``too_many_fields``;
    - a NUL or an unpaired surrogate in the path or in a query parameter's name or value
      → 400 ``invalid_characters`` (PostgreSQL cannot store them; one would be a 500 in
      whichever query it reached).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request.META.get("CONTENT_TYPE", ""), request.path)
        if length > limit:
            return _json_error(413, "request_too_large", _too_large_message(), limit_bytes=limit)
        query_limit = int(settings.MAX_QUERY_STRING_BYTES)
        if len(request.META.get("QUERY_STRING", "")) > query_limit:
            return _json_error(
                414, "query_too_long", _("The query string is too long."), limit_bytes=query_limit
            )
        if has_bad_text(request.path):
            return _invalid_characters(InvalidCharacters(path=printable(request.path)))
        try:
            pairs = [(key, value) for key, values in request.GET.lists() for value in values]
        except TooManyFieldsSent:
            return _json_error(
                400, "too_many_fields", _("The request has too many parameters."),
                limit=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            )  # fmt: skip
        try:
            check_text(pairs, where="parameter")
        except InvalidCharacters as exc:
            return _invalid_characters(exc)
        return None


def _invalid_characters(exc: InvalidCharacters) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params=_READABLE)


class SecurityHeadersMiddleware:
    """``Cache-Control: no-store`` on every answer under /api/ (tokens, 2FA secrets and
    personal data must not stay in a browser's or a proxy's cache), except where a view set
    its own Cache-Control (a signed download link); the Content-Security-Policy on every
    HTML page (CONTENT_SECURITY_POLICY). The other security headers come from Django's
    SecurityMiddleware and XFrameOptionsMiddleware (settings.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and not response.has_header(
            "Content-Security-Policy"
        ):
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
