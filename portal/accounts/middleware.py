"""Ties a browser's Django session to its Portal sign-in session on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from portal.accounts.exceptions import TokenExpired, TokenRevoked
from portal.accounts.models import AuthSession
from portal.accounts.services.sessions import check_session_usable, session_touch
from portal.api.context import client_ip

SESSION_KEY = "portal_auth_session"


class AuthSessionMiddleware:
    """A browser session whose sign-in session was revoked or expired is signed out here,
    so revocation takes effect on the very next request (admin pages included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.auth_session = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            session_id = request.session.get(SESSION_KEY)
            auth_session = (
                AuthSession.objects.select_related("user", "device").filter(pk=session_id).first()
                if session_id
                else None
            )
            try:
                if auth_session is None or auth_session.user_id != request.user.pk:
                    raise TokenRevoked()
                check_session_usable(auth_session)
            except (TokenRevoked, TokenExpired):
                logout(request)
            else:
                session_touch(auth_session, ip=client_ip(request))
                request.auth_session = auth_session  # type: ignore[attr-defined]
        return self.get_response(request)
