"""The admin's own "change my password" page (``/admin/password_change/``), through the
same service as ``POST /api/v1/me/password``: the current password counts toward the
sign-in throttle, the change is audited and the user's other sessions end."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from portal.accounts.exceptions import InvalidCredentials, InvalidPassword, LoginThrottled
from portal.accounts.services.users import user_change_own_password
from portal.api.context import request_context


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form whose check and change are ``user_change_own_password``. The service
    runs in ``clean`` because checking the current password is itself a counted attempt:
    its refusals (wrong, throttled) belong on the form, and the form cannot check the
    password a second time without counting it twice."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        return str(self.cleaned_data["old_password"])  # checked by the service in clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.errors:
            return cleaned
        try:
            user_change_own_password(
                user=self.user,
                current_password=cleaned["old_password"],
                new_password=cleaned["new_password2"],
                context=request_context(self.request),
                keep_session=getattr(self.request, "auth_session", None),
            )
        except InvalidCredentials:
            self.add_error("old_password", self.error_messages["password_incorrect"])
        except (LoginThrottled, InvalidPassword) as refused:
            raise forms.ValidationError(refused.message) from refused
        return cleaned

    def save(self, commit: bool = True) -> Any:
        return self.user  # saved by the service in clean()


class OwnPasswordChangeView(PasswordChangeView):
    form_class = OwnPasswordChangeForm
    template_name = "registration/password_change_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


def own_password_change(request: HttpRequest) -> HttpResponseBase:
    """What ``admin.site.password_change`` renders, with the form above."""
    request.current_app = admin.site.name
    view = OwnPasswordChangeView.as_view(
        success_url=reverse("admin:password_change_done", current_app=admin.site.name),
        extra_context=admin.site.each_context(request),
    )
    return view(request)
