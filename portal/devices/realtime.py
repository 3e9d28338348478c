"""What device management adds to the event socket (portal.realtime.gateway): a remote
command is delivered once it went out on its device's socket, and a policy change makes
every socket re-check its device."""

from __future__ import annotations

from typing import Any

from portal.realtime import gateway


def command_delivered(payload: dict[str, Any]) -> None:
    """A remote command went out on its device's socket: pending → delivered."""
    from portal.devices.models import DeviceCommand
    from portal.devices.services import device_commands_delivered

    command_id = payload.get("command", {}).get("id")
    commands = list(DeviceCommand.objects.filter(pk=command_id, device_id=payload["device_id"]))
    device_commands_delivered(commands=commands)


def register() -> None:
    """Called from ``DevicesConfig.ready``."""
    from portal.devices.api.events import EVENTS

    gateway.register_event_rule("device", after_delivery=command_delivered)
    gateway.register_event_rule("policy", recheck_device=True)
    gateway.register_events(EVENTS)
