"""Comments on documents and their versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.models.files import Document, Version

MAX_COMMENT_CHARS = 10_000


class Comment(models.Model):
    """A comment on a document, or on one of its versions (``version`` set). Written by
    commenters and up, read by everyone who sees the document; deleted by its author or
    an owner of the document (the row goes)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(
        Version, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("text"), max_length=MAX_COMMENT_CHARS)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["document", "created_at"], name="comment_document_idx")]

    def __str__(self) -> str:
        return self.body[:50]
