"""The device admin API for IT staff: devices, remote commands, policies, assignments.

Everything here answers 404 to anyone who is not staff, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts import selectors as account_selectors
from portal.accounts.models import User
from portal.api.context import SignedInRequest, request_context
from portal.api.pagination import Cursor, paginated
from portal.api.permissions import IsStaffOrNotFound
from portal.api.serializers import validated, validated_query
from portal.devices import selectors, services
from portal.devices.api import serializers as s
from portal.devices.compliance import refusal_reasons
from portal.devices.exceptions import PolicyNotFound
from portal.devices.models import Device, Policy, PolicyAssignment

_DEVICE_FILTERS = {"status": "status", "platform": "platform", "user": "user_id",
                   "agency": "user__agency_id"}  # fmt: skip


class DeviceCursor(Cursor):
    ordering = "-last_seen_at"


class DeviceListView(generics.ListAPIView):
    """Every device, filterable by ``status``, ``platform``, ``user``, ``agency`` and
    ``non_compliant=true``."""

    permission_classes = [IsStaffOrNotFound]
    serializer_class = s.AdminDeviceOutput
    pagination_class = DeviceCursor

    def get_queryset(self) -> Any:
        params = validated_query(s.DeviceListParams, self.request)
        devices = Device.objects.select_related("user")
        for param, field in _DEVICE_FILTERS.items():
            if params.get(param):
                devices = devices.filter(**{field: params[param]})
        if params["non_compliant"]:
            devices = devices.exclude(compliance_reason="")
        return devices

    @extend_schema(parameters=[s.DeviceListParams], tags=["admin"])
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DeviceDetailView(APIView):
    """One device with its effective policy (and where each rule came from) and whether
    it complies now."""

    permission_classes = [IsStaffOrNotFound]

    @extend_schema(responses={200: s.AdminDeviceDetailOutput}, tags=["admin"])
    def get(self, request: SignedInRequest, device_id: uuid.UUID) -> Response:
        from portal import clock
        from portal.accounts.services.twofactor import two_factor_enabled

        device = selectors.access_device_for_staff(request.user, device_id)
        policy = selectors.effective_policy(device.user)
        reasons = refusal_reasons(
            device=device, policy=policy, ip=device.last_ip,
            two_factor_on=two_factor_enabled(device.user), session_created_at=None,
            session_last_used_at=None, now=clock.now(),
        )  # fmt: skip
        return Response(
            {
                **s.AdminDeviceOutput(device).data,
                "effective_policy": policy.as_dict(),
                "refusal_reasons": reasons,
            }
        )


class DeviceCommandsView(APIView):
    """List a device's commands, newest first, or issue one: lock, logout, wipe,
    refresh_policy, message."""

    permission_classes = [IsStaffOrNotFound]
    pagination_class = Cursor

    @extend_schema(responses={200: s.AdminCommandOutput(many=True)}, tags=["admin"])
    def get(self, request: SignedInRequest, device_id: uuid.UUID) -> Response:
        device = selectors.access_device_for_staff(request.user, device_id)
        return paginated(
            request, self, device.commands.all(), lambda row: s.AdminCommandOutput(row).data
        )

    @extend_schema(request=s.CommandInput, responses={201: s.AdminCommandOutput}, tags=["admin"])
    def post(self, request: SignedInRequest, device_id: uuid.UUID) -> Response:
        device = selectors.access_device_for_staff(request.user, device_id)
        data = validated(s.CommandInput, request.data)
        command = services.device_command_issue(
            actor=request.user, device=device, kind=data["kind"],
            message=data["message"], context=request_context(request),
        )  # fmt: skip
        return Response(s.AdminCommandOutput(command).data, status=status.HTTP_201_CREATED)


class DeviceReenrolView(APIView):
    """Let a wiped, locked or logged-out device sign in again."""

    permission_classes = [IsStaffOrNotFound]

    @extend_schema(request=None, responses={204: None}, tags=["admin"])
    def post(self, request: SignedInRequest, device_id: uuid.UUID) -> Response:
        device = selectors.access_device_for_staff(request.user, device_id)
        services.device_reenrol(actor=request.user, device=device, context=request_context(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyCursor(Cursor):
    ordering = ("name", "id")  # type: ignore[assignment]


class PolicyListView(APIView):
    """Device policies by name; POST creates one."""

    permission_classes = [IsStaffOrNotFound]
    pagination_class = PolicyCursor

    @extend_schema(responses={200: s.AdminPolicyOutput(many=True)}, tags=["admin"])
    def get(self, request: SignedInRequest) -> Response:
        policies = Policy.objects.prefetch_related("assignments")
        return paginated(request, self, policies, lambda row: s.AdminPolicyOutput(row).data)

    @extend_schema(request=s.PolicyInput, responses={201: s.AdminPolicyOutput}, tags=["admin"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.PolicyInput, request.data)
        policy = services.policy_save(
            actor=request.user, policy=None, name=data["name"], description=data["description"],
            rules=data["rules"], context=request_context(request),
        )  # fmt: skip
        return Response(s.AdminPolicyOutput(policy).data, status=status.HTTP_201_CREATED)


class PolicyDetailView(APIView):
    permission_classes = [IsStaffOrNotFound]

    @extend_schema(responses={200: s.AdminPolicyOutput}, tags=["admin"])
    def get(self, request: SignedInRequest, policy_id: uuid.UUID) -> Response:
        policy = selectors.access_policy_for_staff(request.user, policy_id)
        return Response(s.AdminPolicyOutput(policy).data)

    @extend_schema(request=s.PolicyPatchInput, responses={200: s.AdminPolicyOutput}, tags=["admin"])
    def patch(self, request: SignedInRequest, policy_id: uuid.UUID) -> Response:
        policy = selectors.access_policy_for_staff(request.user, policy_id)
        data = validated(s.PolicyPatchInput, request.data)
        policy = services.policy_save(
            actor=request.user, policy=policy, name=data.get("name", policy.name),
            description=data.get("description", policy.description),
            rules=data.get("rules", policy.rules), context=request_context(request),
        )  # fmt: skip
        return Response(s.AdminPolicyOutput(policy).data)

    @extend_schema(request=None, responses={204: None}, tags=["admin"])
    def delete(self, request: SignedInRequest, policy_id: uuid.UUID) -> Response:
        policy = selectors.access_policy_for_staff(request.user, policy_id)
        services.policy_delete(actor=request.user, policy=policy, context=request_context(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyAssignView(APIView):
    """Assign a policy to ``server``, an ``agency``, a ``department`` or a ``user``."""

    permission_classes = [IsStaffOrNotFound]

    @extend_schema(
        request=s.AssignmentInput,
        responses={201: s.AssignmentOutput},
        tags=["admin"],
    )
    def post(self, request: SignedInRequest, policy_id: uuid.UUID) -> Response:
        policy = selectors.access_policy_for_staff(request.user, policy_id)
        data = validated(s.AssignmentInput, request.data)
        scope, target_id = (
            data["scope"],
            data["target_id"],
        )
        finders = {
            "agency": account_selectors.access_agency,
            "department": account_selectors.access_department,
            "user": account_selectors.access_user,
        }
        target = finders[scope](request.user, target_id) if scope in finders else None
        assignment = services.policy_assign(
            actor=request.user, policy=policy, scope=scope, target=target,
            context=request_context(request),
        )  # fmt: skip
        return Response(s.AssignmentOutput(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentDetailView(APIView):
    permission_classes = [IsStaffOrNotFound]

    @extend_schema(request=None, responses={204: None}, tags=["admin"])
    def delete(self, request: SignedInRequest, assignment_id: uuid.UUID) -> Response:
        assignment = (
            PolicyAssignment.objects.select_related("policy").filter(pk=assignment_id).first()
        )
        if assignment is None:
            raise PolicyNotFound()
        services.policy_unassign(
            actor=request.user, assignment=assignment, context=request_context(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserEffectivePolicyView(APIView):
    """The policy in force for a user, each rule with the assignment it came from."""

    permission_classes = [IsStaffOrNotFound]

    @extend_schema(responses={200: s.PolicyOutput}, tags=["admin"])
    def get(self, request: SignedInRequest, user_id: uuid.UUID) -> Response:
        user = cast(User, account_selectors.access_user(request.user, user_id))
        return Response(selectors.effective_policy(user).as_dict())
