"""The default API permission: signed in, and enrolled in 2FA where the agency demands it."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from portal.accounts.exceptions import NotAuthenticated, TwoFactorEnrolmentRequired
from portal.accounts.services.twofactor import two_factor_enabled, two_factor_required


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
