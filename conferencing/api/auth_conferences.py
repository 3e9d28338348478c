"""The guest pass (``Authorization: Bearer gst_…``) and who may call conference endpoints.

A pass is a credential for one conference only. ``GuestAuthentication`` comes first among
the API's authentication classes (portal/settings.py): on a view that takes guests
(``guest_allowed = True``) for the pass's own conference it authenticates the guest; on
every other endpoint — another conference, the directory, conversations, anything — it
answers 404 as for an object the caller may not see, so a guest learns nothing of what
exists behind the meeting. Any other credential it leaves to the next classes.
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


class GuestAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[GuestPrincipal, Participant] | None:
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw.startswith(GUEST_PREFIX):
            return None
        context = getattr(request, "parser_context", None) or {}
        view = context.get("view")
        if not getattr(view, "guest_allowed", False):
            raise NotFound()
        guest = guest_authenticate(raw)
        if str(guest.conference_id) != str(context.get("kwargs", {}).get("conference_id")):
            raise ConferenceNotFound()
        return GuestPrincipal(guest), guest

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


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
    target_class = "conferencing.api.auth_conferences.GuestAuthentication"
    name = "guestPass"

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | None:
        """Listed only on the operations that take guests; elsewhere the pass is refused."""
        if not getattr(auto_schema.view, "guest_allowed", False):
            return None
        return {self.name: []}

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A conference guest's pass (gst_…, POST /api/v1/conferences/"
            "guest-join): that conference's endpoints only; every other answers 404.",
        }
