"""The previews part's event (docs/api.md, "Previews and watermarks"): its payload and
exactly who receives it."""

from __future__ import annotations

from typing import Any

from documents.events.files import document_audience
from documents.models import Document, Preview


def preview_event(preview: Preview, *, document: Document) -> tuple[dict[str, Any], set[str]]:
    """``document_preview.update``: the preview of a version became ready or will not be
    made; to everyone holding a role on the document (``document_audience``)."""
    payload = {
        "type": "document_preview",
        "op": "update",
        "document_id": str(document.pk),
        "version_id": str(preview.version_id),
        "status": preview.status,
    }
    return payload, document_audience(document)
