"""Co-editing's storage: the Yjs update log, its compacted state, who edited when, and
named versions (docs/collab.md, "Persistence")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.models.files import MAX_NAME_CHARS, Document


class CollabState(models.Model):
    """Where a rich-text document's compacted Yjs state lives: the object ``snapshot_key``
    (``documents/<id>/ydoc/<snapshot_number>``) holds one Yjs update equal to every update
    compacted so far. Its content plus the ``DocumentUpdate`` rows still in the log is the
    document. Compaction locks this row, so two processes never compact one log at once."""

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, primary_key=True, related_name="collab_state"
    )
    snapshot_number = models.PositiveIntegerField(default=0)
    snapshot_key = models.CharField(max_length=512, blank=True)
    snapshot_size = models.PositiveBigIntegerField(default=0)
    compacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-editing state")
        verbose_name_plural = _("co-editing states")

    def __str__(self) -> str:
        return f"{self.document_id} #{self.snapshot_number}"


class DocumentUpdate(models.Model):
    """One Yjs update accepted from an editor (or made by a restore), stored before it was
    relayed to anyone. ``seq`` orders updates across every process; Yjs updates commute,
    so the order matters only for history. Rows are deleted when compacted."""

    seq = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    data = models.BinaryField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("document update")
        verbose_name_plural = _("document updates")
        indexes = [models.Index(fields=["document", "seq"], name="docupdate_document_seq_idx")]

    def __str__(self) -> str:
        return f"{self.document_id} @{self.seq}"


class EditSpan(models.Model):
    """History kept through compaction: one author's updates to a document within a few
    minutes of each other (``HISTORY_GAP``), with the first and last time and how many."""

    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    updates = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("edit span")
        verbose_name_plural = _("edit spans")
        indexes = [models.Index(fields=["document", "started_at"], name="editspan_document_idx")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.author_id} {self.started_at:%Y-%m-%d %H:%M}"


class NamedSnapshot(models.Model):
    """A named version of a rich-text document: its whole Yjs state when it was taken,
    in the object ``key`` (``documents/<id>/ydoc/named/<snapshot id>``). Never changed;
    restoring one writes a new update, so history goes on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)
    key = models.CharField(max_length=512)
    size = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("named version")
        verbose_name_plural = _("named versions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["document", "-created_at"], name="namedsnap_document_idx")]

    def __str__(self) -> str:
        return self.name
