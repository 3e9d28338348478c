"""Resumable uploads of large files (docs/documents.md, "Resumable uploads")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.models.files import MAX_NAME_CHARS, Document, Folder


class UploadSession(models.Model):
    """A file being sent in parts to an S3 multipart upload, for a new document in
    ``folder`` or a new version of ``document`` (exactly one is set). The object key is
    fixed up front from ids chosen now (``document_key_id``, ``version_id``), so the bytes
    land where the version will point. ``parts`` maps each received part number (as a
    string) to ``{"etag", "size"}``: what a client resumes from. A session ends by
    completion (the row is deleted, the version exists), by cancellation, or by expiry
    (``expires_at``, moved a day ahead by every part): the multipart upload is aborted
    and the row deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    folder = models.ForeignKey(
        Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The id the new document gets (a new file), or the document's own id.
    document_key_id = models.UUIDField()
    version_id = models.UUIDField(default=uuid.uuid4)
    key = models.CharField(max_length=512)
    storage_upload_id = models.CharField(max_length=1024)
    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    part_size = models.PositiveIntegerField()
    base_version_id = models.UUIDField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    parts = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        constraints = [
            models.CheckConstraint(
                name="upload_folder_or_document",
                condition=(
                    models.Q(folder__isnull=False, document=None)
                    | models.Q(folder=None, document__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} B)"

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def part_length(self, number: int) -> int:
        """How many bytes part ``number`` (1…part_count) must hold."""
        if number < self.part_count:
            return self.part_size
        return self.size - (self.part_count - 1) * self.part_size


class PendingObject(models.Model):
    """An object about to be written for a version, recorded before its bytes go to
    storage on a database connection of its own (committed at once, so the record outlives
    the writer's transaction if that rolls back). The writer's commit deletes it. One left
    over past DOCUMENT_ORPHAN_GRACE whose key no version holds is an orphan: the periodic
    sweep deletes the object and the row (``documents.services.orphans``)."""

    key = models.CharField(max_length=512, primary_key=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("object being written")
        verbose_name_plural = _("objects being written")

    def __str__(self) -> str:
        return self.key
