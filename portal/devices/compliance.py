"""Whether a device may reach Portal now, under the policy in force for its user."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from portal.devices.models import Device
from portal.devices.rules import version_tuple
from portal.devices.selectors import EffectivePolicy

# Platforms that run Portal's own app and so can report their state at check-in.
APP_PLATFORMS = {Device.Platform.ANDROID, Device.Platform.IOS, Device.Platform.DESKTOP}


def refusal_reasons(
    *,
    device: Device,
    policy: EffectivePolicy,
    ip: str | None,
    two_factor_on: bool,
    session_created_at: dt.datetime | None,
    session_last_used_at: dt.datetime | None,
    now: dt.datetime,
) -> list[str]:
    """Every rule ``device`` breaks now, as machine-readable reasons, most important first.

    An empty list means the device may be used. Device-state rules (screen lock, root,
    encryption) can only be judged after the app has checked in; until then an app
    device under such a rule is refused with ``checkin_required``.
    """
    rules: dict[str, Any] = policy.values
    reasons: list[str] = []
    if device.status == Device.Status.WIPED:
        return ["device_wiped"]
    if device.status == Device.Status.LOCKED:
        return ["device_locked"]
    if device.platform not in rules["allowed_platforms"]:
        reasons.append("platform_not_allowed")
    if device.platform in APP_PLATFORMS:
        minimum_app = rules["min_app_version"]
        if minimum_app and version_tuple(device.app_version) < version_tuple(minimum_app):
            reasons.append("app_version_too_old")
        minimum_os = rules["min_os_version"].get(device.platform)
        if minimum_os and version_tuple(device.os_version) < version_tuple(minimum_os):
            reasons.append("os_version_too_old")
        state_rules = (
            rules["screen_lock_required"] or rules["refuse_rooted"] or rules["encryption_required"]
        )
        if state_rules and device.last_checkin_at is None:
            reasons.append("checkin_required")
        else:
            if rules["screen_lock_required"] and device.screen_lock is False:
                reasons.append("screen_lock_required")
            if rules["refuse_rooted"] and device.rooted is True:
                reasons.append("device_rooted")
            if rules["encryption_required"] and device.encrypted is False:
                reasons.append("encryption_required")
    if rules["allowed_networks"] and not _in_networks(ip, rules["allowed_networks"]):
        reasons.append("network_not_allowed")
    if rules["require_2fa"] and not two_factor_on:
        reasons.append("two_factor_required")
    max_age = rules["max_session_age_hours"]
    if max_age and session_created_at and now - session_created_at > dt.timedelta(hours=max_age):
        reasons.append("session_too_old")
    idle = rules["idle_timeout_minutes"]
    if idle and session_last_used_at and now - session_last_used_at > dt.timedelta(minutes=idle):
        reasons.append("session_idle")
    return reasons


def _in_networks(ip: str | None, networks: list[str]) -> bool:
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    return any(address in ipaddress.ip_network(net) for net in networks)
