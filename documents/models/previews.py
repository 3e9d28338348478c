"""Previews of versions and the agency's document policy (docs/documents.md, "Previews and
watermarks")."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.models.files import Version
from portal.accounts.models import Agency


class Preview(models.Model):
    """What a version looks like: a thumbnail and page images, made once by a Celery task
    after the version is created, stored clean (a watermark is drawn on each when served).

    ``status`` is final once it is not ``pending``. ``reason`` is a code of
    ``documents.services.previews.REASONS`` saying why there is no preview (failed,
    unsupported, unavailable). ``page_count`` is the whole document's (PDF and office
    files); ``page_keys`` hold the first PREVIEW_PDF_PAGES of them (one for an image);
    ``pdf_key`` the PDF LibreOffice made of an office file. ``queued_at`` is when its task
    was last queued, ``started_at`` when a task began: a task that finds it set on a
    pending preview knows an earlier attempt was killed (out of time or memory) and gives
    up instead of trying forever; the periodic sweep queues again what was never started
    and gives up on what was started too long ago.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("being made")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        UNSUPPORTED = "unsupported", _("not supported for this type")
        UNAVAILABLE = "unavailable", _("not available on this server")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.OneToOneField(Version, on_delete=models.CASCADE, related_name="preview")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=32, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_key = models.CharField(max_length=512, blank=True)
    page_keys = models.JSONField(default=list, blank=True)
    pdf_key = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(_("created"))
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    made_at = models.DateTimeField(_("made"), null=True, blank=True)

    class Meta:
        verbose_name = _("preview")
        verbose_name_plural = _("previews")

    def __str__(self) -> str:
        return f"{self.version_id}: {self.status}"


class DocumentPolicy(models.Model):
    """An agency's rules for its documents, set by IT in Django admin. ``watermark``: every
    preview image and PDF served through the previews part carries the viewer's name and
    the date. No row means every rule is off."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="+",
        verbose_name=_("agency"),
    )  # fmt: skip
    watermark = models.BooleanField(
        _("watermark"),
        default=False,
        help_text=_(
            "Previews and PDF downloads show the viewer's name and the date across every page."
        ),
    )
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("document policy")
        verbose_name_plural = _("document policies")

    def __str__(self) -> str:
        return str(self.agency)
