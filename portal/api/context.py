"""Who is calling and from where, as the services and the audit log want it."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.conf import settings
from rest_framework.request import Request

from portal.audit.services import RequestContext

if TYPE_CHECKING:
    from portal.accounts.models import AuthSession, User


class SignedInRequest(Request):
    """A DRF request that passed authentication: how views that require it annotate it."""

    user: User
    auth: AuthSession


def client_ip(request: Any) -> str | None:
    meta = request.META
    candidate = meta.get("REMOTE_ADDR", "")
    if settings.USE_X_FORWARDED_FOR:
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            candidate = forwarded.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def request_context(request: Any) -> RequestContext:
    """The audit context of an HTTP request (DRF or plain Django)."""
    auth = getattr(request, "auth", None) or getattr(request, "auth_session", None)
    return RequestContext(
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        device_id=getattr(auth, "device_id", None),
    )
