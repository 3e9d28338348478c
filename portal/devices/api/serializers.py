"""Input and output shapes of the device API (apps) and the device admin API (IT staff)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from portal.api.serializers import QueryFlag, StrictInput, UUIDInput
from portal.devices.events import command_payload
from portal.devices.models import Device, DeviceCommand, Policy, PolicyAssignment


class DeviceOutput(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "client_device_id", "platform", "model", "os_version", "app_version"]


class CheckinInput(StrictInput):
    device_id = serializers.CharField(max_length=200)
    app_version = serializers.CharField(max_length=100, required=False)
    os_version = serializers.CharField(max_length=100, required=False)
    screen_lock = serializers.BooleanField(required=False, allow_null=True, default=None)
    rooted = serializers.BooleanField(required=False, allow_null=True, default=None)
    encrypted = serializers.BooleanField(required=False, allow_null=True, default=None)
    policy_version = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )


class AckInput(StrictInput):
    result = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="DeviceCommand")
class CommandOutput(serializers.Serializer):
    """A remote command as the device gets it (``portal.devices.events.command_payload``)."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=DeviceCommand.Kind.choices)
    message = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: DeviceCommand) -> dict[str, Any]:
        return command_payload(instance)


@extend_schema_serializer(component_name="AcknowledgedCommand")
class AckedCommandOutput(CommandOutput):
    state = serializers.ChoiceField(choices=DeviceCommand.State.choices)


@extend_schema_serializer(component_name="EffectivePolicy")
class PolicyOutput(serializers.Serializer):
    """The rules in force and, for each rule, the assignment it came from."""

    version = serializers.CharField()
    rules = serializers.DictField()
    sources = serializers.DictField()


class CheckinOutput(serializers.Serializer):
    compliant = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    policy = PolicyOutput()
    commands = CommandOutput(many=True)


@extend_schema_serializer(component_name="DeviceOwner")
class DeviceOwnerOutput(serializers.Serializer):
    """Whose device it is (``AdminDeviceOutput.get_user``); documents the shape only."""

    id = serializers.UUIDField()
    login = serializers.CharField()
    name = serializers.CharField()


class AdminDeviceOutput(DeviceOutput):
    user = serializers.SerializerMethodField()

    class Meta(DeviceOutput.Meta):
        fields = [
            *DeviceOutput.Meta.fields, "user", "status", "compliance_reason", "first_seen_at",
            "last_seen_at", "last_ip", "last_checkin_at", "screen_lock", "rooted", "encrypted",
            "applied_policy_version",
        ]  # fmt: skip

    @extend_schema_field(DeviceOwnerOutput)
    def get_user(self, device: Device) -> dict[str, Any]:
        return {"id": str(device.user_id), "login": device.user.login, "name": str(device.user)}


class AdminDeviceDetailOutput(AdminDeviceOutput):
    effective_policy = PolicyOutput()
    refusal_reasons = serializers.ListField(child=serializers.CharField())

    class Meta(AdminDeviceOutput.Meta):
        fields = [*AdminDeviceOutput.Meta.fields, "effective_policy", "refusal_reasons"]


class AdminCommandOutput(serializers.ModelSerializer):
    class Meta:
        model = DeviceCommand
        fields = [
            "id", "device", "kind", "message", "state", "issued_by", "created_at", "expires_at",
            "delivered_at", "acknowledged_at", "result",
        ]  # fmt: skip


class DeviceListParams(serializers.Serializer):
    status = serializers.ChoiceField(choices=Device.Status.choices, required=False)
    platform = serializers.ChoiceField(choices=Device.Platform.choices, required=False)
    user = UUIDInput(required=False)
    agency = UUIDInput(required=False)
    non_compliant = QueryFlag(required=False, default=False)


class CommandInput(StrictInput):
    kind = serializers.ChoiceField(choices=DeviceCommand.Kind.choices)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AssignmentOutput(serializers.ModelSerializer):
    class Meta:
        model = PolicyAssignment
        fields = ["id", "policy", "scope", "agency", "department", "user", "created_at"]


class AdminPolicyOutput(serializers.ModelSerializer):
    assignments = AssignmentOutput(many=True, read_only=True)

    class Meta:
        model = Policy
        fields = ["id", "name", "description", "rules", "assignments", "created_at", "updated_at"]


class PolicyInput(StrictInput):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rules = serializers.JSONField(required=False, default=dict)


class PolicyPatchInput(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    rules = serializers.JSONField(required=False)


class AssignmentInput(StrictInput):
    scope = serializers.ChoiceField(choices=PolicyAssignment.Scope.choices)
    target_id = UUIDInput(required=False, allow_null=True, default=None)
