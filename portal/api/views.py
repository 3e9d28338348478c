"""Health checks, the OpenAPI schema and its docs page, and the JSON answers Django gives
outside DRF views (404, 500, CSRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.plumbing import set_query_parameters
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.outage import current_database_outage
from portal.storage import get_storage


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": {}}}, status=status)


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and object storage are reachable; 503 naming the failing ones."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    # The cache is Redis when REDIS_URL is set (it also carries the channel layer and Celery).
    cache_name = "redis" if settings.REDIS_URL else "cache"
    try:
        cache.set("readyz", "1", 5)
        checks[cache_name] = "ok" if cache.get("readyz") == "1" else "error: read back failed"
    except Exception as exc:
        checks[cache_name] = f"error: {exc.__class__.__name__}"
    try:
        get_storage().check()
        checks["storage"] = "ok"
    except Exception as exc:
        checks["storage"] = f"error: {exc.__class__.__name__}"
    failing = sorted(name for name, state in checks.items() if state != "ok")
    if failing:
        return JsonResponse(
            {
                "status": "unavailable",
                "checks": checks,
                "error": {
                    "code": "not_ready",
                    "message": _("Not ready: %(parts)s") % {"parts": ", ".join(failing)},
                    "details": {"failing": failing},
                },
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": checks})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        403, "csrf_failed", _("CSRF check failed: send the csrftoken cookie value in X-CSRFToken.")
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """Django's 400 (a Host header not in ALLOWED_HOSTS, too many fields, a body over the
    limit read outside a DRF view) in the API error format."""
    from portal.api.exceptions import suspicious_operation_error

    status, code, message = suspicious_operation_error(exception) or (
        400, "bad_request", _("The request cannot be accepted."),
    )  # fmt: skip
    return _error(status, code, message)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(404, "not_found", _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, outside DRF's exception handler: an unreachable database is
    503 with Retry-After (portal/outage.py), anything else a bug."""
    outage = current_database_outage()
    if outage is not None:
        response = JsonResponse(outage.as_dict(), status=outage.status)
        response["Retry-After"] = str(outage.retry_after)
        return response
    return _error(500, "server_error", _("Internal error. It has been logged."))


class _ErrorsAsJSON(APIView):
    """Errors of a view that renders HTML or YAML come as JSON in the error format."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.exception:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(_ErrorsAsJSON, SpectacularAPIView):
    """The OpenAPI schema (``/api/v1/schema/``): JSON unless YAML is asked for
    (``?format=yaml`` or an Accept of ``application/vnd.oai.openapi``); texts in the
    request's language (``?lang=ru|en``, else Accept-Language, else Russian)."""

    renderer_classes = [
        OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2,
    ]  # fmt: skip


class SwaggerView(_ErrorsAsJSON, SpectacularSwaggerSplitView):
    """Swagger UI (``/api/docs/``) over the schema in the language this page is shown in.
    The split view serves its start-up script as a file of its own (``?script``), so the
    page runs under a Content-Security-Policy without inline scripts."""

    def _get_schema_url(self, request: Any) -> str:
        url = super()._get_schema_url(request)
        return str(set_query_parameters(url, lang=request.GET.get("lang") or get_language()))
