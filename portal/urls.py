"""Root URLs: the API under /api/v1/, its schema and docs, admin, health checks."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api import views as api_views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("portal.accounts.api.urls")),
    path("", include("portal.storage.api.urls")),
    path("", include("portal.devices.api.urls")),
    path("", include("messaging.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # The split view serves Swagger UI's start-up script as a file of its own, so the page
    # runs under a Content-Security-Policy without inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("healthz", api_views.healthz, name="healthz"),
    path("readyz", api_views.readyz, name="readyz"),
]

handler400 = "portal.api.views.bad_request"
handler404 = "portal.api.views.not_found"
handler500 = "portal.api.views.server_error"
