"""Django admin of the device app: devices (with remote commands), policies, commands."""

from django.contrib import admin

from portal.devices.admin_policies import DeviceAdmin, DeviceCommandAdmin, PolicyAdmin
from portal.devices.models import Device

admin.site.register(Device, DeviceAdmin)

__all__ = ["DeviceAdmin", "DeviceCommandAdmin", "PolicyAdmin"]
