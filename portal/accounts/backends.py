"""The password backend behind Django's own login forms (the admin site)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from portal.accounts.services import throttle
from portal.api.context import client_ip


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend under the same failed-sign-in throttle as the API, so the admin
    login form is no easier to guess against than ``/api/v1/auth/login``."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        login = username or kwargs.get("login") or ""
        ip = client_ip(request) if request is not None else None
        if throttle.retry_after(login, ip):
            raise PermissionDenied("sign-in throttled")  # stops other backends too
        user = super().authenticate(request, username=login, password=password, **kwargs)
        if user is None:
            throttle.register_failure(login, ip)
        else:
            throttle.register_success(login, ip)
        return user
