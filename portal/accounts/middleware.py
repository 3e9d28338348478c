"""Ties a browser's Django session to its Portal sign-in session on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from portal.accounts.models import AuthSession
from portal.accounts.services.admission import admit
from portal.api.context import client_ip

SESSION_KEY = "portal_auth_session"


class AuthSessionMiddleware:
    """Admits a signed-in browser's sign-in session once per request: one whose session
    was revoked or expired is signed out here, so revocation takes effect on the very next
    request (admin pages included). The admission stays on the request: a device refused by
    the policy is refused by the API (``PortalSessionAuthentication``), not signed out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.auth_session = None  # type: ignore[attr-defined]
        request.admission = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            session_id = request.session.get(SESSION_KEY)
            # The user's agency comes along: the API's permission reads it on every request
            # (two_factor_required), and the API is handed this user, not a second copy.
            auth_session = (
                AuthSession.objects.select_related("user", "user__agency", "device")
                .filter(pk=session_id)
                .first()
                if session_id
                else None
            )
            if auth_session is not None and auth_session.user_id != request.user.pk:
                auth_session = None
            admission = admit(auth_session, ip=client_ip(request))
            if admission.ended:
                logout(request)
            else:
                request.auth_session = auth_session  # type: ignore[attr-defined]
                request.admission = admission  # type: ignore[attr-defined]
        return self.get_response(request)
