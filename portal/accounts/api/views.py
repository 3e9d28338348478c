"""Sign-in, sessions, two-factor auth, profile and the staff directory."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts import selectors, services
from portal.accounts.api import serializers as s
from portal.accounts.exceptions import NotAuthenticated
from portal.accounts.middleware import SESSION_KEY
from portal.accounts.models import AuthSession, RecoveryCode
from portal.accounts.services.twofactor import two_factor_enabled, two_factor_required
from portal.api.context import SignedInRequest, request_context
from portal.api.pagination import Cursor
from portal.api.permissions import IsSignedInMayEnrol
from portal.api.serializers import validated, validated_query
from portal.devices.models import Device
from portal.devices.services import DeviceInfo

BROWSER_DEVICE_COOKIE = "portal_device"


class DirectoryCursor(Cursor):
    ordering = ("last_name", "first_name", "id")  # type: ignore[assignment]


class ByName(Cursor):
    ordering = ("name", "id")  # type: ignore[assignment]


class LoginView(APIView):
    """Sign in an app: returns an access token bound to the device, and a refresh token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.LoginInput, responses={200: s.TokensOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = validated(s.LoginInput, request.data)
        device = data["device"]
        issued = services.login_with_password(
            login=data["login"],
            password=data["password"],
            otp=data["otp"],
            device=DeviceInfo(
                client_device_id=device["id"],
                platform=device["platform"],
                model=device["model"],
                os_version=device["os_version"],
                app_version=device["app_version"],
            ),
            kind=AuthSession.Kind.TOKEN,
            context=request_context(request),
        )
        return Response(s.TokensOutput(s.tokens_payload(issued), context={"request": request}).data)


class RefreshView(APIView):
    """Exchange a refresh token for a new pair; each refresh token works once."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.RefreshInput, responses={200: s.TokensOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = validated(s.RefreshInput, request.data)
        issued = services.auth_session_refresh(
            refresh_token=data["refresh_token"], context=request_context(request)
        )
        request.user = issued.session.user
        return Response(s.TokensOutput(s.tokens_payload(issued), context={"request": request}).data)


class LogoutView(APIView):
    """End the session this request is made with (token or browser)."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: SignedInRequest) -> Response:
        services.logout(session=request.auth, context=request_context(request))
        if request.auth.kind == AuthSession.Kind.BROWSER:
            django_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Sets the csrftoken cookie a browser client sends back in X-CSRFToken."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.CsrfOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request._request)})


@method_decorator(csrf_protect, name="dispatch")
class BrowserSessionView(APIView):
    """Browser sign-in with a session cookie (CSRF-protected) and sign-out."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.BrowserLoginInput, responses={200: s.MeOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = validated(s.BrowserLoginInput, request.data)
        django_request = request._request
        device_id = django_request.COOKIES.get(BROWSER_DEVICE_COOKIE, "")
        try:
            device_id = str(uuid.UUID(device_id))
        except ValueError:
            device_id = str(uuid.uuid4())
        issued = services.login_with_password(
            login=data["login"],
            password=data["password"],
            otp=data["otp"],
            device=DeviceInfo(
                client_device_id=device_id,
                platform=Device.Platform.WEB,
                model=django_request.META.get("HTTP_USER_AGENT", "")[:200],
            ),
            kind=AuthSession.Kind.BROWSER,
            context=request_context(request),
        )
        user = issued.session.user
        django_request._portal_auth_session = issued.session  # type: ignore[attr-defined]
        django_login(django_request, user, backend="portal.accounts.backends.ThrottledModelBackend")
        django_request.session[SESSION_KEY] = str(issued.session.pk)
        request.user = user
        response = Response(s.MeOutput(user, context={"request": request}).data)
        response.set_cookie(
            BROWSER_DEVICE_COOKIE, device_id, max_age=5 * 365 * 24 * 3600, httponly=True,
            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        )  # fmt: skip
        return response

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def delete(self, request: Request) -> Response:
        auth_session = getattr(request._request, "auth_session", None)
        if auth_session is None:
            raise NotAuthenticated()
        services.logout(session=auth_session, context=request_context(request))
        django_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListView(generics.ListAPIView):
    """The caller's live sessions, one per signed-in device."""

    permission_classes = [IsSignedInMayEnrol]
    serializer_class = s.SessionOutput

    def get_queryset(self) -> Any:
        return selectors.auth_sessions_of(cast(SignedInRequest, self.request).user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "current_session": self.request.auth}

    @extend_schema(tags=["auth"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SessionDetailView(APIView):
    """Revoke one of the caller's sessions: its tokens stop and its sockets close."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def delete(self, request: SignedInRequest, session_id: uuid.UUID) -> Response:
        session = selectors.access_auth_session(request.user, session_id)
        services.auth_session_revoke(
            actor=request.user, session=session, reason="revoked_by_user",
            context=request_context(request),
        )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokeOtherSessionsView(APIView):
    """End every session of the caller except the current one."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=None, responses={200: s.RevokedOutput}, tags=["auth"])
    def post(self, request: SignedInRequest) -> Response:
        count = services.auth_sessions_revoke_all(
            actor=request.user, user=request.user, reason="revoked_by_user",
            context=request_context(request), keep=request.auth,
        )  # fmt: skip
        return Response({"revoked": count})


class TwoFactorStatusView(APIView):
    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(responses={200: s.TwoFactorStatusOutput}, tags=["2fa"])
    def get(self, request: SignedInRequest) -> Response:
        user = request.user
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        return Response(
            {
                "enabled": two_factor_enabled(user),
                "required": two_factor_required(user),
                "recovery_codes_left": left,
            }
        )


class TwoFactorEnrolView(APIView):
    """Start enrolment: a new secret, its otpauth:// URI and a QR code to scan."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=None, responses={200: s.EnrolmentOutput}, tags=["2fa"])
    def post(self, request: SignedInRequest) -> Response:
        enrolment = services.totp_enrol_start(user=request.user, context=request_context(request))
        return Response(s.EnrolmentOutput(enrolment).data)


class TwoFactorConfirmView(APIView):
    """Finish enrolment with a first code; returns ten single-use recovery codes."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=s.CodeInput, responses={200: s.RecoveryCodesOutput}, tags=["2fa"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.CodeInput, request.data)
        codes = services.totp_enrol_confirm(
            user=request.user, code=data["code"], context=request_context(request)
        )
        return Response({"recovery_codes": codes})


class TwoFactorDisableView(APIView):
    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=s.CodeInput, responses={204: None}, tags=["2fa"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.CodeInput, request.data)
        services.totp_disable(
            user=request.user, code=data["code"], context=request_context(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecoveryCodesView(APIView):
    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=s.CodeInput, responses={200: s.RecoveryCodesOutput}, tags=["2fa"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.CodeInput, request.data)
        codes = services.recovery_codes_regenerate(
            user=request.user, code=data["code"], context=request_context(request)
        )
        return Response({"recovery_codes": codes})


class MeView(APIView):
    """The caller's own profile; PATCH changes phone, language and time zone."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(responses={200: s.MeOutput}, tags=["users"])
    def get(self, request: SignedInRequest) -> Response:
        return Response(s.MeOutput(request.user, context={"request": request}).data)

    @extend_schema(request=s.ProfileInput, responses={200: s.MeOutput}, tags=["users"])
    def patch(self, request: SignedInRequest) -> Response:
        data = validated(s.ProfileInput, request.data)
        user = services.user_update_profile(
            user=request.user, changes=dict(data), context=request_context(request)
        )
        return Response(s.MeOutput(user, context={"request": request}).data)


class PasswordView(APIView):
    """Change the caller's password; every other session of theirs ends."""

    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=s.PasswordChangeInput, responses={204: None}, tags=["users"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.PasswordChangeInput, request.data)
        services.user_change_own_password(
            user=request.user, current_password=data["current_password"],
            new_password=data["new_password"], context=request_context(request),
            keep_session=request.auth,
        )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


class DirectoryView(generics.ListAPIView):
    """The staff directory: search by any part of a name (Russian or Latin letters),
    department (with its sub-departments), agency and position."""

    serializer_class = s.UserOutput
    pagination_class = DirectoryCursor

    def get_queryset(self) -> Any:
        request = cast(SignedInRequest, self.request)
        params = validated_query(s.DirectoryParams, request)
        department = agency = None
        if params.get("department"):
            department = selectors.access_department(request.user, params["department"])
        if params.get("agency"):
            agency = selectors.access_agency(request.user, params["agency"])
        return selectors.directory_search(
            actor=request.user,
            query=params["q"],
            department=department,
            include_subdepartments=params["subdepartments"],
            agency=agency,
            position=params["position"],
        )

    @extend_schema(parameters=[s.DirectoryParams], tags=["users"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class UserDetailView(APIView):
    @extend_schema(responses={200: s.UserOutput}, tags=["users"])
    def get(self, request: SignedInRequest, user_id: uuid.UUID) -> Response:
        user = selectors.access_user(request.user, user_id)
        return Response(s.UserOutput(user, context={"request": request}).data)


class AgencyListView(generics.ListAPIView):
    serializer_class = s.AgencyOutput
    pagination_class = ByName

    def get_queryset(self) -> Any:
        from portal.accounts.models import Agency

        return Agency.objects.order_by("name")

    @extend_schema(tags=["organisation"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DepartmentListView(generics.ListAPIView):
    """An agency's departments, flat with parent ids (a client builds the tree)."""

    serializer_class = s.DepartmentOutput
    pagination_class = ByName

    def get_queryset(self) -> Any:
        request = cast(SignedInRequest, self.request)
        return selectors.departments_of(
            selectors.access_agency(request.user, self.kwargs["agency_id"])
        )

    @extend_schema(tags=["organisation"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
