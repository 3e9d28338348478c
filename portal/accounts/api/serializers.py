"""Input and output shapes of the accounts API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.accounts.models import Agency, AuthSession, Department, User
from portal.api.serializers import QueryFlag, StrictInput, UUIDInput
from portal.devices.api.serializers import DeviceOutput
from portal.devices.models import Device


class DeviceInput(StrictInput):
    id = serializers.CharField(max_length=200, help_text=_("A stable id the app generates once."))
    platform = serializers.ChoiceField(choices=Device.Platform.choices)
    model = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    os_version = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    app_version = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


class LoginInput(StrictInput):
    login = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=512, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="",
        help_text=_("Authenticator or recovery code, when two-factor sign-in is on."),
    )  # fmt: skip
    device = DeviceInput()


class BrowserLoginInput(StrictInput):
    login = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=512, trim_whitespace=False)
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class RefreshInput(StrictInput):
    refresh_token = serializers.CharField(max_length=200)


class CodeInput(StrictInput):
    code = serializers.CharField(max_length=32)


class PasswordChangeInput(StrictInput):
    current_password = serializers.CharField(max_length=512, trim_whitespace=False)
    new_password = serializers.CharField(max_length=512, trim_whitespace=False)


class ProfileInput(StrictInput):
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=User.Language.choices, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)

    def validate_time_zone(self, value: str) -> str:
        import zoneinfo

        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(_("Unknown time zone."))
        return value


class DirectoryParams(serializers.Serializer):
    """The directory's query parameters."""

    q = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text=_("Any part of the full name or login"),
    )  # fmt: skip
    department = UUIDInput(required=False)
    subdepartments = QueryFlag(required=False, default=True, help_text=_("Include sub-departments"))
    agency = UUIDInput(required=False)
    position = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AgencyBrief(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "short_name"]


class DepartmentBrief(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class DepartmentOutput(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "agency", "parent", "head"]


class AgencyOutput(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "require_2fa"]


class UserOutput(serializers.ModelSerializer):
    """A user as the directory shows them to other signed-in users."""

    full_name = serializers.CharField(read_only=True)
    agency = AgencyBrief(read_only=True, allow_null=True)
    department = DepartmentBrief(read_only=True, allow_null=True)
    avatar = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id", "login", "last_name", "first_name", "middle_name", "full_name", "position",
            "agency", "department", "email", "phone", "avatar", "is_bot",
        ]  # fmt: skip

    def get_avatar(self, user: User) -> dict[str, str] | None:
        from portal.accounts.services.avatars import avatar_urls

        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        return avatar_urls(viewer=viewer, user=user, request=request) if viewer else None


class MeOutput(UserOutput):
    two_factor_enabled = serializers.SerializerMethodField()
    two_factor_required = serializers.SerializerMethodField()

    class Meta(UserOutput.Meta):
        fields = [
            *UserOutput.Meta.fields, "language", "time_zone", "is_staff",
            "two_factor_enabled", "two_factor_required",
        ]  # fmt: skip

    def get_two_factor_enabled(self, user: User) -> bool:
        from portal.accounts.services.twofactor import two_factor_enabled

        return two_factor_enabled(user)

    def get_two_factor_required(self, user: User) -> bool:
        from portal.accounts.services.twofactor import two_factor_required

        return two_factor_required(user)


class SessionOutput(serializers.ModelSerializer):
    device = DeviceOutput(read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = AuthSession
        fields = [
            "id", "kind", "device", "created_at", "last_used_at", "ip", "user_agent",
            "access_expires_at", "current",
        ]  # fmt: skip

    def get_current(self, session: AuthSession) -> bool:
        current = self.context.get("current_session")
        return current is not None and current.pk == session.pk


class TokensOutput(serializers.Serializer):
    token_type = serializers.CharField(default="Bearer")
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()
    session_id = serializers.UUIDField()
    device_id = serializers.UUIDField()
    user = MeOutput()


def tokens_payload(issued: Any) -> dict[str, Any]:
    session = issued.session
    return {
        "token_type": "Bearer",
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "access_expires_at": session.access_expires_at,
        "refresh_expires_at": session.refresh_expires_at,
        "session_id": session.pk,
        "device_id": session.device_id,
        "user": session.user,
    }


class EnrolmentOutput(serializers.Serializer):
    secret = serializers.CharField()
    otpauth_uri = serializers.CharField()
    qr_svg_data_uri = serializers.CharField()


class RecoveryCodesOutput(serializers.Serializer):
    recovery_codes = serializers.ListField(child=serializers.CharField())


class TwoFactorStatusOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like Field.required
    recovery_codes_left = serializers.IntegerField()


class CsrfOutput(serializers.Serializer):
    csrf_token = serializers.CharField()


class RevokedOutput(serializers.Serializer):
    revoked = serializers.IntegerField(help_text=_("How many sessions ended."))
