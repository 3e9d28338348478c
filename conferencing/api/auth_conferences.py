"""The guest pass (``Authorization: Bearer gst_…``) and who may call conference endpoints.

A pass is a credential for one conference only. The views that take guests authenticate
with ``GUEST_AUTHENTICATION`` (the pass of the conference in the path, or a user's
credentials); every other endpoint has ``GuestAuthentication`` first among the API's
default classes (portal/settings.py), which answers a pass with 404 as for an object the
caller may not see — another conference, the directory, the conversations, anything — so a
guest learns nothing of what exists behind the meeting. Other credentials it leaves to the
next classes.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from conferencing.exceptions_conferences import ConferenceNotFound
from conferencing.models import Participant
from conferencing.selectors_conferences import Actor
from conferencing.services import guest_authenticate
from conferencing.services.conferences_guests import GUEST_PREFIX
from portal.accounts.authentication import BearerTokenAuthentication, PortalSessionAuthentication
from portal.api.permissions import IsSignedIn
from portal.errors import NotFound


class GuestPrincipal:
    """``request.user`` of a guest: signed in (for throttling, by its participant id) and
    nothing else — no staff, no user id any user-facing code could mistake for a user's."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, participant: Participant) -> None:
        self.pk = self.id = participant.pk


def _guest_pass(request: Request) -> str | None:
    scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    raw = raw.strip()
    return raw if scheme.lower() == "bearer" and raw.startswith(GUEST_PREFIX) else None


class GuestAuthentication(BaseAuthentication):
    """First of the API's default classes: a guest pass on an endpoint that takes no
    guests is answered 404, as an object the caller may not see."""

    def authenticate(self, request: Request) -> None:
        if _guest_pass(request) is not None:
            raise NotFound()
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ConferenceGuestAuthentication(BaseAuthentication):
    """On the endpoints that take guests (``GUEST_AUTHENTICATION``): the guest of the
    conference in the path; a pass for another conference is 404 ``conference_not_found``,
    a pass no longer valid 401 ``guest_token_invalid``."""

    def authenticate(self, request: Request) -> tuple[GuestPrincipal, Participant] | None:
        raw = _guest_pass(request)
        if raw is None:
            return None
        guest = guest_authenticate(raw)
        kwargs = (getattr(request, "parser_context", None) or {}).get("kwargs", {})
        if str(guest.conference_id) != str(kwargs.get("conference_id")):
            raise ConferenceNotFound()
        return GuestPrincipal(guest), guest

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


# The authentication of the views that take guests: the guest's pass, then a user's.
GUEST_AUTHENTICATION = [
    ConferenceGuestAuthentication,
    BearerTokenAuthentication,
    PortalSessionAuthentication,
]


class IsSignedInOrGuest(BasePermission):
    """A signed-in user (by the usual rules), or the guest of this very conference."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if isinstance(request.auth, Participant):
            return True
        return IsSignedIn().has_permission(request, view)


def actor_of(request: Any) -> Actor:
    """The caller as the services take it: the guest's participant row, or the user."""
    return request.auth if isinstance(request.auth, Participant) else request.user


class GuestPassScheme(OpenApiAuthenticationExtension):
    target_class = "conferencing.api.auth_conferences.ConferenceGuestAuthentication"
    name = "guestPass"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A conference guest's pass (gst_…, POST /api/v1/conferences/"
            "guest-join): that conference's endpoints only; every other answers 404.",
        }


class GuestRefusalScheme(OpenApiAuthenticationExtension):
    """The default class that refuses passes: no way in, so neither a security
    requirement nor a scheme of its own."""

    target_class = "conferencing.api.auth_conferences.GuestAuthentication"
    name: list[str] = []

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return []

    def get_security_definition(self, auto_schema: Any) -> list[Any]:
        return []
