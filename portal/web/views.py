"""Serve the built browser client (frontend/dist).

Every client route answers the same index.html (the client's router takes over); the
hashed files under /assets/ never change, so browsers keep them for a year. The server
serves nothing the client would fetch from elsewhere: the build bundles its fonts, icons
and emoji.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.api.views import not_found

_IMMUTABLE = "public, max-age=31536000, immutable"


def _dist() -> Path:
    return Path(settings.FRONTEND_DIST)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The client's page for any of its routes; 503 with a readable page while it is not built."""
    page = _dist() / "index.html"
    try:
        html = page.read_bytes()
    except FileNotFoundError:
        text = _("The browser client is not built: run `make frontend-build`.")
        return HttpResponse(
            f"<!doctype html><meta charset=utf-8><title>Portal</title><p>{text}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # A new build must reach the browser at once: the page names the new hashed assets.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def asset(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    """A built file: under assets/ (content-hashed, cached for a year) or at the top level."""
    root = _dist().resolve()
    file = (root / path).resolve()
    if not file.is_relative_to(root) or not file.is_file() or file.name == "index.html":
        return not_found(request)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Cache-Control"] = _IMMUTABLE if path.startswith("assets/") else "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
