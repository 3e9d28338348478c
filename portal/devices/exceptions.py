"""Errors of the device registry, policies and remote commands."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PortalError

# What the user should be told for each reason a device is refused (docs/api.md lists them).
REFUSAL_MESSAGES: dict[str, Any] = {
    "device_wiped": _("This device was wiped by your IT department. Contact them to use it again."),
    "device_locked": _("This device was locked by your IT department. Sign in again."),
    "platform_not_allowed": _("Your organisation does not allow this kind of device."),
    "app_version_too_old": _("This version of the app is too old. Update it to continue."),
    "os_version_too_old": _("The operating system is too old. Update it to continue."),
    "screen_lock_required": _("Turn on the screen lock on this device to continue."),
    "device_rooted": _("Rooted or jailbroken devices are not allowed."),
    "encryption_required": _("Turn on device encryption to continue."),
    "checkin_required": _("The app must report the device state (check in) first."),
    "network_not_allowed": _("Access from this network is not allowed."),
    "session_too_old": _("The session is older than your organisation allows. Sign in again."),
    "session_idle": _("The session was idle too long. Sign in again."),
    "two_factor_required": _("Your organisation requires two-factor sign-in. Set it up first."),
}


class DeviceRefused(PortalError):
    """The device breaks a policy rule; ``code`` is the machine-readable reason (one of
    ``REFUSAL_MESSAGES``; ``device_refused`` names them all in the schema)."""

    code = "device_refused"
    status = 403

    def __init__(self, reason: str, **details: Any) -> None:
        self.code = reason  # type: ignore[misc]
        super().__init__(REFUSAL_MESSAGES.get(reason, reason), reason=reason, **details)


class DeviceNotFound(NotFound):
    code = "device_not_found"
    default_message = _("Device not found.")


class PolicyNotFound(NotFound):
    code = "policy_not_found"
    default_message = _("Policy not found.")


class CommandNotFound(NotFound):
    code = "command_not_found"
    default_message = _("Command not found.")


class InvalidRules(InvalidInput):
    code = "invalid_rules"
    default_message = _("The policy contains unknown or invalid rules.")


class AssignmentConflict(PortalError):
    code = "assignment_conflict"
    status = 409
    default_message = _("This target already has a policy. Change that assignment instead.")


class CommandAlreadyAcknowledged(PortalError):
    code = "command_already_acknowledged"
    status = 409
    default_message = _("The command was already acknowledged.")


class CommandExpired(PortalError):
    code = "command_expired"
    status = 409
    default_message = _("The command has expired.")
