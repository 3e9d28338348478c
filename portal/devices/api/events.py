"""The device events (portal/devices/events.py) as the schema documents them."""

from __future__ import annotations

from rest_framework import serializers

from portal.api.events_schema import const
from portal.devices.api.serializers import CommandOutput


class DeviceCommandEvent(serializers.Serializer):
    """``device.command``: sent only on sockets of that device's session."""

    type = const("device")
    op = const("command")
    device_id = serializers.UUIDField()
    command = CommandOutput()


class PolicyUpdatedEvent(serializers.Serializer):
    """``policy.update``: check in again; the socket re-checks the device."""

    type = const("policy")
    op = const("update")


EVENTS = {"device.command": DeviceCommandEvent, "policy.update": PolicyUpdatedEvent}
