"""DRF authentication: bearer access tokens for apps, session cookies (with CSRF) for browsers."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.request import Request

from portal.accounts.exceptions import TokenInvalid
from portal.accounts.models import AuthSession, User
from portal.accounts.services.admission import Admission, admit_token
from portal.api.context import client_ip
from portal.errors import PortalError


class CSRFFailed(PortalError):
    code = "csrf_failed"
    status = 403


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer pat_...``; a bad token is an error, never anonymous access.
    The session is admitted on every request (``accounts.services.admission``: alive, not
    expired, its device passing the policy; docs/api.md lists the refusals)."""

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
        session = admit_token(
            raw,
            ip=client_ip(request),
            policy=self.enforce_policy,
            command_ack=self.for_command_ack,
        ).accepted()
        translation.activate(session.user.language)
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
    """The browser's session cookie, already admitted by ``AuthSessionMiddleware`` (which
    signs out an ended session and leaves a device refusal to be raised here, after the CSRF
    check); unsafe methods need a CSRF token."""

    def authenticate(self, request: Request) -> tuple[User, AuthSession] | None:
        django_request = request._request
        user = getattr(django_request, "user", None)
        admission: Admission | None = getattr(django_request, "admission", None)
        if user is None or not user.is_authenticated or admission is None:
            return None
        self._enforce_csrf(django_request)
        session = admission.accepted()
        translation.activate(session.user.language)
        return session.user, session

    def _enforce_csrf(self, django_request: Any) -> None:
        check = CSRFCheck(lambda req: None)  # type: ignore[arg-type]
        check.process_request(django_request)
        reason = check.process_view(django_request, None, (), {})  # type: ignore[arg-type]
        if reason:
            raise CSRFFailed("CSRF check failed: send the csrftoken cookie value in X-CSRFToken.")
