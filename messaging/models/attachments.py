"""Files uploaded to conversations and sent with messages."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from messaging.models.conversations import Conversation
from messaging.models.messages import Message


class Attachment(models.Model):
    """A file uploaded to a conversation, kept in object storage under
    ``attachments/<conversation id>/<attachment id>/`` as ``original`` (and ``thumbnail``,
    a WebP, for images once ``has_thumbnail`` is set).

    ``content_type`` was detected from the bytes, never taken from the client. An upload is
    unbound (``message`` null, visible to its uploader only) until they send a message with
    it; it is then bound to that one message for good. Unbound uploads older than a day and
    attachments of deleted messages are purged with their objects
    (``messaging.tasks.purge_attachments``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    content_type = models.CharField(_("type"), max_length=100)
    has_thumbnail = models.BooleanField(default=False)
    # Place among the message's attachments, in the order the author listed them.
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.filename
