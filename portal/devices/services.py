"""Registering the devices users sign in from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal import clock
from portal.audit.services import RequestContext
from portal.devices.models import Device


@dataclass(frozen=True)
class DeviceInfo:
    """What a client says about itself when it signs in."""

    client_device_id: str
    platform: str
    model: str = ""
    os_version: str = ""
    app_version: str = ""


def device_register(*, user: Any, info: DeviceInfo, context: RequestContext) -> Device:
    """The user's device with this client id, created or updated with what it reports now.

    Precondition: runs inside the sign-in transaction.
    """
    now = clock.now()
    device, created = Device.objects.select_for_update().get_or_create(
        user=user,
        client_device_id=info.client_device_id,
        defaults={
            "platform": info.platform,
            "model": info.model,
            "os_version": info.os_version,
            "app_version": info.app_version,
            "first_seen_at": now,
            "last_seen_at": now,
            "last_ip": context.ip,
        },
    )
    if not created:
        device.platform = info.platform
        device.model = info.model or device.model
        device.os_version = info.os_version or device.os_version
        device.app_version = info.app_version or device.app_version
        device.last_seen_at = now
        device.last_ip = context.ip
        device.status = Device.Status.ACTIVE
        device.save()
    return device
