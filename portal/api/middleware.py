"""Rejects oversized request bodies before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """413 in the API error format when Content-Length exceeds the limit: the JSON limit
    (MAX_REQUEST_BYTES) for most requests, MAX_UPLOAD_BYTES for multipart uploads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        is_upload = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = settings.MAX_UPLOAD_BYTES if is_upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return JsonResponse(
                {
                    "error": {
                        "code": "request_too_large",
                        "message": _("The request body is too large."),
                        "details": {"limit_bytes": limit},
                    }
                },
                status=413,
            )
        return self.get_response(request)
