"""Websocket authentication: who a socket belongs to, from its handshake or its auth frame.

Three ways in (docs/realtime.md): an ``Authorization: Bearer pat_…`` header, the browser's
session cookie, or an ``auth`` frame sent first. The cookie counts only when the handshake
comes from one of our own pages (its Origin matches the Host, or is a trusted origin):
browsers attach cookies to sockets any site opens, and the Origin header is what tells
them apart. A token is not sent by browsers on their own, so it needs no such check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import ValidationError
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host

from portal.accounts.exceptions import TokenInvalid, TokenRevoked
from portal.accounts.middleware import SESSION_KEY
from portal.accounts.models import AuthSession
from portal.accounts.services import admission
from portal.accounts.services.admission import admit, admit_session_id, admit_token
from portal.api.context import client_ip
from portal.errors import PortalError, ServiceUnavailable
from portal.outage import DATABASE_DOWN

SCOPE_KEY = "portal_auth"


@dataclass(frozen=True)
class HandshakeAuth:
    """What the handshake proved: a usable ``session``, an ``error`` (credentials were
    presented and refused), or neither (the client must send an auth frame)."""

    session: AuthSession | None = None
    error: PortalError | None = None


class WebsocketAuthMiddleware:
    """Puts the handshake's :class:`HandshakeAuth` in ``scope["portal_auth"]``; refusing
    is left to the consumer, which can tell the client why in an error frame first."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        try:
            auth = await database_sync_to_async(authenticate_handshake)(scope)
        except DATABASE_DOWN:
            # Accepted and closed with 4503 by the consumer, rather than a dropped
            # handshake the client cannot tell from a network failure.
            auth = HandshakeAuth(error=ServiceUnavailable())
        return await self.inner({**scope, SCOPE_KEY: auth}, receive, send)


def _headers(scope: Any) -> dict[str, str]:
    return {
        name.decode("latin1").lower(): value.decode("latin1") for name, value in scope["headers"]
    }


def socket_ip(scope: Any) -> str | None:
    """The client address, by the same rules as for HTTP requests (USE_X_FORWARDED_FOR)."""
    headers = _headers(scope)
    client = scope.get("client") or ("", 0)
    meta = {"REMOTE_ADDR": client[0] or ""}
    if "x-forwarded-for" in headers:
        meta["HTTP_X_FORWARDED_FOR"] = headers["x-forwarded-for"]
    return client_ip(SimpleNamespace(META=meta))


def _origin_allowed(headers: dict[str, str]) -> bool:
    """The Origin is this very host (a host we serve), or listed in CSRF_TRUSTED_ORIGINS —
    the rule Django's CSRF check applies to unsafe HTTP requests."""
    origin = headers.get("origin", "").lower()
    host = headers.get("host", "").lower()
    if not origin or not host:
        return False
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, allowed_hosts):
        return False
    trusted = {o.lower() for o in settings.CSRF_TRUSTED_ORIGINS}
    return urlsplit(origin).netloc == host or origin in trusted


def _browser_session(headers: dict[str, str]) -> AuthSession | None:
    """The sign-in session behind the Django session cookie; None when the cookie holds no
    signed-in browser session. Raises TokenRevoked when it held one that has ended."""
    key = parse_cookie(headers.get("cookie", "")).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    session_id = store.get(SESSION_KEY)
    if not session_id:
        return None
    # Django's own check: the user is active and the password has not changed since.
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    try:
        auth_session = (
            AuthSession.objects.select_related("user", "device").filter(pk=session_id).first()
        )
    except ValidationError:
        auth_session = None
    if auth_session is None or not user.is_authenticated or auth_session.user_id != user.pk:
        raise TokenRevoked()
    return auth_session


def authenticate_handshake(scope: Any) -> HandshakeAuth:
    """Authenticate a socket from its handshake headers (Authorization, then the cookie)."""
    headers = _headers(scope)
    ip = socket_ip(scope)
    try:
        authorization = headers.get("authorization", "")
        if authorization:
            scheme, _, raw = authorization.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                raise TokenInvalid()
            return HandshakeAuth(session=authenticate_token(raw.strip(), ip=ip))
        if _origin_allowed(headers):
            browser = _browser_session(headers)
            if browser is not None:
                return HandshakeAuth(session=admit(browser, ip=ip).accepted())
    except PortalError as error:
        return HandshakeAuth(error=error)
    return HandshakeAuth()


def authenticate_token(raw: str, *, ip: str | None) -> AuthSession:
    """The session of an access token sent in the header or an auth frame, admitted
    (``accounts.services.admission``) or its refusal raised."""
    return admit_token(raw, ip=ip).accepted()


def session_recheck(session_id: Any, *, ip: str | None, policy: bool) -> None:
    """Raise TokenRevoked once the socket's session has ended or its user was blocked, and
    with ``policy`` DeviceRefused once its device breaks the (possibly changed) policy.

    An access token that merely expired does not end a socket: the session goes on, and the
    app refreshes its tokens over REST.
    """
    admit_session_id(session_id, ip=ip, policy=policy).accepted()


def sessions_ended(session_ids: Iterable[Any]) -> dict[Any, PortalError]:
    """Of these sessions, the ones that ended (gone, revoked, or their user blocked), each
    with the error its sockets close with: session_recheck's rule, in one query."""
    return admission.sessions_ended(session_ids)
