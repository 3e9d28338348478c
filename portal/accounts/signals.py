"""Admin-site sign-ins get a Portal session (so they can be listed and revoked) and an
audit record, like API sign-ins do."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from portal.accounts.middleware import SESSION_KEY
from portal.api.context import request_context
from portal.audit import services as audit


@receiver(user_logged_in)
def _admin_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or getattr(request, "_portal_auth_session", None) is not None:
        return  # signed in through the API, which already made the session
    from portal.accounts.models import AuthSession
    from portal.accounts.services.sessions import auth_session_create
    from portal.devices.models import Device
    from portal.devices.services import DeviceInfo, device_register

    context = request_context(request)
    device = device_register(
        user=user,
        info=DeviceInfo(
            client_device_id=f"admin-{uuid.uuid4()}",
            platform=Device.Platform.WEB,
            model=request.META.get("HTTP_USER_AGENT", "")[:200],
        ),
        context=context,
    )
    issued = auth_session_create(
        user=user, device=device, kind=AuthSession.Kind.BROWSER, context=context
    )
    request.session[SESSION_KEY] = str(issued.session.pk)
    audit.record("auth.login", actor=user, context=context, target=user, details={"kind": "admin"})


@receiver(user_login_failed)
def _admin_login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    if request is None:
        return
    audit.record(
        "auth.login_failed",
        context=request_context(request),
        details={"login": str(credentials.get("username", ""))[:150], "reason": "admin_form"},
    )
