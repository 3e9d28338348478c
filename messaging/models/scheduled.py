"""Messages their authors scheduled to be sent later."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from messaging.models.conversations import Conversation
from messaging.models.messages import Message


class ScheduledMessage(models.Model):
    """A message to be sent later by its author. Celery beat sends due ones every
    half-minute (``messaging.tasks.send_scheduled_messages``)."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("scheduled message state", "pending")
        SENT = "sent", pgettext_lazy("scheduled message state", "sent")
        CANCELLED = "cancelled", pgettext_lazy("scheduled message state", "cancelled")
        FAILED = "failed", pgettext_lazy("scheduled message state", "failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=100)
    body = models.TextField()
    mentions = models.JSONField(default=dict, blank=True)
    send_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, related_name="+")
    error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("scheduled message")
        verbose_name_plural = _("scheduled messages")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="scheduled_client_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} at {self.send_at:%Y-%m-%d %H:%M}"
