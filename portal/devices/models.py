"""The device registry: every client that signs in is a device record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """One client installation of one user, identified by a client-generated id.

    ``(user, client_device_id)`` is unique: signing in again from the same device reuses
    the record and replaces that device's tokens.
    """

    class Platform(models.TextChoices):
        WEB = "web", _("web browser")
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        DESKTOP = "desktop", _("desktop")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REVOKED = "revoked", _("revoked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="devices",
        verbose_name=_("user"),
    )
    client_device_id = models.CharField(_("client device id"), max_length=200)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    model = models.CharField(_("model"), max_length=200, blank=True)
    os_version = models.CharField(_("OS version"), max_length=100, blank=True)
    app_version = models.CharField(_("app version"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    last_ip = models.GenericIPAddressField(_("last IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client_device_id"], name="device_unique_client_id_per_user"
            )
        ]

    def __str__(self) -> str:
        label = self.model or self.get_platform_display()
        return f"{label} ({self.client_device_id[:12]})"
