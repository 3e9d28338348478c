"""The base of every domain error.

Each app's ``exceptions.py`` subclasses :class:`PortalError` with a stable ``code`` and an
HTTP-like ``status``; the DRF exception handler and the websocket consumers render them as
``{"error": {"code", "message", "details"}}``. Services raise these, never HTTP exceptions.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    default_message: ClassVar[str | Promise] = _("The request cannot be completed.")

    def __init__(self, message: str | Promise | None = None, **details: Any) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(PortalError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(PortalError):
    code = "permission_denied"
    status = 403
    default_message = _("You are not allowed to do this.")


class InvalidInput(PortalError):
    code = "invalid"
    status = 400
    default_message = _("Invalid input.")


class Throttled(PortalError):
    code = "throttled"
    status = 429
    default_message = _("Too many requests. Try again later.")

    def __init__(self, retry_after: int, message: str | Promise | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class ServiceUnavailable(PortalError):
    """A backing service (PostgreSQL) is unreachable: nothing was done; try again."""

    code = "service_unavailable"
    status = 503
    default_message = _("The service is temporarily unavailable. Try again in a few seconds.")

    def __init__(self, retry_after: int = 5, message: str | Promise | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
