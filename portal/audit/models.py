"""The append-only audit log of security-relevant events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only")


class AuditEvent(models.Model):
    """One security-relevant event. Rows are only ever inserted, by ``audit.services.record``.

    ``hash`` is SHA-256 over ``prev_hash`` and this row's canonical content, and
    ``prev_hash`` is the ``hash`` of the row before it, so editing or deleting any row
    breaks the chain at that point (``manage.py verify_audit_chain`` finds it).
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("actor"),
    )
    actor_repr = models.CharField(_("actor"), max_length=300, blank=True)
    device_id = models.UUIDField(_("device"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only")
