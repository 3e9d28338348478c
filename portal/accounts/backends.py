"""The password backend behind Django's own login forms (the admin site)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied

from portal.accounts.exceptions import LoginInvalid
from portal.accounts.identity import login_refuse_invisible, login_skeleton
from portal.accounts.models import User
from portal.accounts.services import throttle
from portal.accounts.services.login import _DUMMY_HASH
from portal.api.context import client_ip


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend under the same failed-sign-in throttle as the API, so the admin
    login form is no easier to guess against than ``/api/v1/auth/login``; the user is
    found by the key of the login, as there (any look-alike spelling names one account)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        login = username or kwargs.get("login") or ""
        if not login or password is None:
            return None
        try:
            login_refuse_invisible(login)
        except LoginInvalid:
            return None  # matches no account; nothing to check or count
        key = login_skeleton(login)
        ip = client_ip(request) if request is not None else None
        if throttle.retry_after(throttle.SIGN_IN, key, ip):
            raise PermissionDenied("sign-in throttled")  # stops other backends too
        user = User.objects.filter(login_key=key).first()
        if user is None:
            check_password(password, _DUMMY_HASH)  # as long as a wrong password takes
        elif user.check_password(password) and self.user_can_authenticate(user):
            throttle.register_success(throttle.SIGN_IN, key, ip)
            return user
        throttle.register_failure(throttle.SIGN_IN, key, ip)
        return None

    async def aauthenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        # ModelBackend's own async path would skip the throttle and the key.
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )
