"""Periodic work of the device app."""

from celery import shared_task

from portal.devices.services import device_commands_expire


@shared_task
def expire_device_commands() -> int:
    """Expire commands nobody acknowledged in time (a wipe never expires)."""
    return device_commands_expire()
