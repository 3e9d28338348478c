"""Events of the device app: payloads and who receives them."""

from __future__ import annotations

from typing import Any

from portal.devices.models import DeviceCommand


def command_payload(command: DeviceCommand) -> dict[str, Any]:
    return {
        "id": str(command.id),
        "kind": command.kind,
        "message": command.message,
        "created_at": command.created_at.isoformat(),
        "expires_at": command.expires_at.isoformat() if command.expires_at else None,
    }


def command_event(command: DeviceCommand) -> tuple[dict[str, Any], list[Any]]:
    """``device.command``: goes to the device's user; only that device's sockets send it."""
    event = {
        "type": "device",
        "op": "command",
        "device_id": str(command.device_id),
        "command": command_payload(command),
    }
    return event, [command.device.user_id]


def policy_updated_event(user_ids: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """``policy.update``: every affected user's apps fetch the policy again (check-in) and
    their sockets re-check compliance."""
    return {"type": "policy", "op": "update"}, user_ids
