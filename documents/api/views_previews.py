"""Previews and PDFs of document versions over REST (docs/api.md, "Previews and
watermarks")."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.api.serializers_previews import PdfLinkOutput, PreviewOutput
from documents.services.previews_serving import (
    PreviewState,
    preview_get,
    preview_make_again,
    version_pdf_url,
)
from portal.api.context import SignedInRequest


class VersionPreviewView(APIView):
    """The version's preview: its status and, once ready, signed links for the caller to
    a thumbnail and the page images (the image itself, or the first pages of a PDF or of
    an office file converted by LibreOffice). With the agency's watermark on, every image
    served carries the caller's name and the time. Any role on the document will do."""

    @extend_schema(responses={200: PreviewOutput}, tags=["documents"])
    def get(
        self, request: SignedInRequest, document_id: uuid.UUID, version_id: uuid.UUID
    ) -> Response:
        state = preview_get(actor=request.user, document_id=document_id, version_id=version_id)
        return Response(_preview(request, state))


class VersionPreviewRetryView(APIView):
    """Make the version's preview again: only one that failed for a passing reason (a
    timeout, an interrupted task, LibreOffice missing or failing: ``retryable``); 409
    ``preview_not_retryable`` otherwise. Answers the preview, pending; the
    ``document_preview`` event tells when it is made. Any role on the document will do."""

    @extend_schema(request=None, responses={200: PreviewOutput}, tags=["documents"])
    def post(
        self, request: SignedInRequest, document_id: uuid.UUID, version_id: uuid.UUID
    ) -> Response:
        state = preview_make_again(
            actor=request.user, document_id=document_id, version_id=version_id
        )
        return Response(_preview(request, state))


def _preview(request: SignedInRequest, state: PreviewState) -> dict[str, Any]:
    absolute = request.build_absolute_uri
    return PreviewOutput(
        {
            "status": state.status,
            "reason_code": state.reason_code,
            "reason": state.reason,
            "page_count": state.page_count,
            "thumbnail_url": absolute(state.thumbnail_url) if state.thumbnail_url else None,
            "pages": [{"number": n, "url": absolute(url)} for n, url in state.pages],
            "retryable": state.retryable,
        }
    ).data


class VersionPdfView(APIView):
    """A signed link for the caller to the version as PDF: a PDF version itself, or the PDF
    LibreOffice made of an office file (409 ``preview_not_ready`` until it is made). With
    the agency's watermark on, the file served is stamped with the caller's name and the
    time on every page, and PDFs over WATERMARK_PDF_MAX_BYTES are refused (409)."""

    @extend_schema(responses={200: PdfLinkOutput}, tags=["documents"])
    def get(
        self, request: SignedInRequest, document_id: uuid.UUID, version_id: uuid.UUID
    ) -> Response:
        path = version_pdf_url(actor=request.user, document_id=document_id, version_id=version_id)
        return Response({"url": request.build_absolute_uri(path)})
