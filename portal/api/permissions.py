"""The default API permission: signed in, and enrolled in 2FA where the agency demands it."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from portal.accounts.exceptions import NotAuthenticated, TwoFactorEnrolmentRequired
from portal.accounts.services.twofactor import two_factor_enabled, two_factor_required
from portal.errors import NotFound


class IsSignedIn(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        if two_factor_required(request.user) and not two_factor_enabled(request.user):
            raise TwoFactorEnrolmentRequired()
        return True


class IsSignedInMayEnrol(BasePermission):
    """Signed in; used by the 2FA and session endpoints a not-yet-enrolled user needs."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        return True


class IsStaffOrNotFound(IsSignedIn):
    """IT staff only; to anyone else the endpoint does not exist (404)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        super().has_permission(request, view)
        if not request.user.is_staff:
            raise NotFound()
        return True
