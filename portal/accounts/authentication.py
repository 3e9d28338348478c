"""DRF authentication: bearer access tokens for apps, session cookies (with CSRF) for browsers."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.request import Request

from portal.accounts.exceptions import TokenInvalid
from portal.accounts.models import AuthSession, User
from portal.accounts.services.sessions import session_touch, token_authenticate
from portal.api.context import client_ip
from portal.devices.services import device_enforce_policy
from portal.errors import PortalError


class CSRFFailed(PortalError):
    code = "csrf_failed"
    status = 403


def _enforce_device_policy(session: AuthSession, ip: str | None) -> None:
    device_enforce_policy(
        device=session.device,
        user=session.user,
        ip=ip,
        session_created_at=session.created_at,
        session_last_used_at=getattr(session, "previous_used_at", session.last_used_at),
    )


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer pat_...``; a bad token is an error, never anonymous access.
    The device's policy is enforced on every request (docs/api.md lists the refusals)."""

    keyword = "Bearer"
    enforce_policy = True
    for_command_ack = False

    def authenticate(self, request: Request) -> tuple[User, AuthSession] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        raw = raw.strip()
        if not raw or " " in raw:
            raise TokenInvalid()
        session = token_authenticate(raw, for_command_ack=self.for_command_ack)
        translation.activate(session.user.language)
        ip = client_ip(request)
        if self.enforce_policy:
            _enforce_device_policy(session, ip)
        if session.revoked_at is None:
            session_touch(session, ip=ip)
        return session.user, session

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class DeviceCheckinAuthentication(BearerTokenAuthentication):
    """For check-in: the token must be live, but a non-compliant device is let through so
    that it can learn why it is refused (the check-in answer says)."""

    enforce_policy = False


class CommandAckAuthentication(BearerTokenAuthentication):
    """For acknowledging commands: also accepts a session ended by a remote command."""

    enforce_policy = False
    for_command_ack = True


class PortalSessionAuthentication(BaseAuthentication):
    """The browser's session cookie, already checked against its sign-in session by
    ``AuthSessionMiddleware``; unsafe methods need a CSRF token."""

    def authenticate(self, request: Request) -> tuple[User, AuthSession] | None:
        django_request = request._request
        user = getattr(django_request, "user", None)
        auth_session = getattr(django_request, "auth_session", None)
        if user is None or not user.is_authenticated or auth_session is None:
            return None
        self._enforce_csrf(django_request)
        translation.activate(user.language)
        _enforce_device_policy(auth_session, client_ip(django_request))
        return user, auth_session

    def _enforce_csrf(self, django_request: Any) -> None:
        check = CSRFCheck(lambda req: None)  # type: ignore[arg-type]
        check.process_request(django_request)
        reason = check.process_view(django_request, None, (), {})  # type: ignore[arg-type]
        if reason:
            raise CSRFFailed("CSRF check failed: send the csrftoken cookie value in X-CSRFToken.")
