"""The previews part's API bodies and its event, as the schema documents them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from documents.models import Preview
from portal.api.events_schema import const
from portal.realtime import gateway


class PreviewPageOutput(serializers.Serializer):
    number = serializers.IntegerField(help_text=_("1 for the first page (or the image)."))
    url = serializers.URLField(help_text=_("Signed, for the caller only, short-lived (WebP)."))


class PreviewOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Preview.Status.choices)
    reason_code = serializers.CharField(
        allow_blank=True,
        help_text=_("Why there is no preview, as a stable code; empty when there is one."),
    )
    reason = serializers.CharField(allow_blank=True, help_text=_("The same, as a text for people."))
    page_count = serializers.IntegerField(
        allow_null=True, help_text=_("Pages of the whole document (PDF and office files).")
    )
    thumbnail_url = serializers.URLField(
        allow_null=True, help_text=_("A 320 px WebP; signed, for the caller only, short-lived.")
    )
    pages = PreviewPageOutput(
        many=True,
        help_text=_("The image, or the first pages (PREVIEW_PDF_PAGES) at up to 1600 px."),
    )
    retryable = serializers.BooleanField(
        help_text=_("It failed for a passing reason: POST …/preview/retry makes it again.")
    )


class PdfLinkOutput(serializers.Serializer):
    url = serializers.URLField(help_text=_("Signed, for the caller only, short-lived."))


class DocumentPreviewEvent(serializers.Serializer):
    """``document_preview.update``: a version's preview became ready, or will not be
    made (failed, unsupported, unavailable); fetch it again for the links."""

    type = const("document_preview")
    op = const("update")
    document_id = serializers.UUIDField()
    version_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Preview.Status.choices)


EVENTS = {"document_preview.update": DocumentPreviewEvent}


def register() -> None:
    """Called from ``DocumentsConfig.ready``."""
    gateway.register_events(EVENTS)
