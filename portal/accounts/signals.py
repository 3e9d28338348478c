"""Admin-site sign-ins get a Portal session (so they can be listed and revoked) and an
audit record, like API sign-ins do."""

from __future__ import annotations

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
    from portal.accounts.services.sessions import admin_session_start

    session = admin_session_start(user=user, context=request_context(request))
    request.session[SESSION_KEY] = str(session.pk)


@receiver(user_login_failed)
def _admin_login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    if request is None:
        return
    audit.record(
        "auth.login_failed",
        context=request_context(request),
        details={"login": str(credentials.get("username", ""))[:150], "reason": "admin_form"},
    )
