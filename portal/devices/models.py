"""The device registry: every client that signs in is a device record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
        ACTIVE = "active", pgettext_lazy("device status", "active")
        LOCKED = "locked", _("locked")
        WIPED = "wiped", _("wiped")
        REVOKED = "revoked", pgettext_lazy("device status", "revoked")
        BLOCKED = "blocked", _("blocked as non-compliant")

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
    # What the device reported at its last check-in (null: never reported).
    last_checkin_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    screen_lock = models.BooleanField(_("screen lock on"), null=True, blank=True)
    rooted = models.BooleanField(_("rooted or jailbroken"), null=True, blank=True)
    encrypted = models.BooleanField(_("encryption on"), null=True, blank=True)
    applied_policy_version = models.CharField(
        _("applied policy version"), max_length=64, blank=True
    )
    # Why the server refuses the device now ("" when compliant), kept for admin filters.
    compliance_reason = models.CharField(_("non-compliance reason"), max_length=64, blank=True)

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


class Policy(models.Model):
    """A named set of device rules (see ``rules.RULES``); only the rules it sets are stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("device policy")
        verbose_name_plural = _("device policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PolicyGeneration(models.Model):
    """A single row counting changes that can alter anyone's effective policy (policies,
    assignments, department moves); bumped in the transaction of each change.

    Redis caches it for a few seconds and keys cached effective policies by it. Keeping
    the counter here means a bump made while Redis was unreachable is not lost: once the
    short-lived cached copy expires, every process reads the current value again.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("policy generation")
        verbose_name_plural = _("policy generation")

    def __str__(self) -> str:
        return str(self.value)


class PolicyAssignment(models.Model):
    """A policy applied to the whole server, an agency, a department (and those below it)
    or one user. Each target holds at most one policy: two at the same level would
    contradict each other, so the database refuses the second."""

    class Scope(models.TextChoices):
        SERVER = "server", _("whole server")
        AGENCY = "agency", _("agency")
        DEPARTMENT = "department", _("department")
        USER = "user", _("user")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("policy")
    )
    scope = models.CharField(_("applies to"), max_length=12, choices=Scope.choices)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.CASCADE, null=True, blank=True,
        related_name="policy_assignments", verbose_name=_("agency"),
    )  # fmt: skip
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, null=True, blank=True,
        related_name="policy_assignments", verbose_name=_("department"),
    )  # fmt: skip
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="policy_assignments", verbose_name=_("user"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy assignment")
        verbose_name_plural = _("policy assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["scope"],
                condition=models.Q(scope="server"),
                name="policy_one_server_assignment",
                violation_error_message=_(
                    "A policy is already assigned to the whole server. Change that assignment."
                ),
            ),
            models.UniqueConstraint(
                fields=["agency"],
                name="policy_one_per_agency",
                violation_error_message=_(
                    "This agency already has a policy. Change that assignment instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["department"],
                name="policy_one_per_department",
                violation_error_message=_(
                    "This department already has a policy. Change that assignment instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["user"],
                name="policy_one_per_user",
                violation_error_message=_(
                    "This user already has a personal policy. Change that assignment instead."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        scope="server",
                        agency__isnull=True,
                        department__isnull=True,
                        user__isnull=True,
                    )
                    | models.Q(
                        scope="agency",
                        agency__isnull=False,
                        department__isnull=True,
                        user__isnull=True,
                    )
                    | models.Q(
                        scope="department",
                        agency__isnull=True,
                        department__isnull=False,
                        user__isnull=True,
                    )
                    | models.Q(
                        scope="user",
                        agency__isnull=True,
                        department__isnull=True,
                        user__isnull=False,
                    )
                ),
                name="policy_assignment_target_matches_scope",
            ),
        ]

    def __str__(self) -> str:
        target = self.agency or self.department or self.user or _("whole server")
        return f"{self.policy} → {target}"


class DeviceCommand(models.Model):
    """A remote command for one device: pending → delivered → acknowledged, or expired.

    A wipe never expires: it stays pending until the device acknowledges it, across
    restarts, because it lives here and is re-sent at every connect and check-in.
    """

    class Kind(models.TextChoices):
        LOCK = "lock", _("lock (sign in again)")
        LOGOUT = "logout", _("log out")
        WIPE = "wipe", _("wipe")
        REFRESH_POLICY = "refresh_policy", _("refresh policy")
        MESSAGE = "message", _("show a message")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        EXPIRED = "expired", _("expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="commands", verbose_name=_("device")
    )
    kind = models.CharField(_("command"), max_length=20, choices=Kind.choices)
    message = models.TextField(_("message"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("issued by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    result = models.CharField(_("result reported by the device"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("device command")
        verbose_name_plural = _("device commands")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["device", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.device}"
