"""Root URLs: the API under /api/v1/, its schema and docs, admin, health checks, and the
browser client at every other path."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from portal.accounts.admin.password import own_password_change
from portal.api import views as api_views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("portal.accounts.api.urls")),
    path("", include("portal.storage.api.urls")),
    path("", include("portal.devices.api.urls")),
    path("", include("messaging.api.urls")),
    path("", include("documents.api.urls")),
    path("", include("conferencing.api.urls")),
    path("", include("conferencing.api.urls_conferences")),
    path("schema/", api_views.SchemaView.as_view(), name="schema"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/docs/", api_views.SwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Before the admin's own: a staff member's own password change goes through the service.
    path("admin/password_change/", admin.site.admin_view(own_password_change)),
    path("admin/", admin.site.urls),
    path("healthz", api_views.healthz, name="healthz"),
    path("readyz", api_views.readyz, name="readyz"),
    path("", include("portal.web.urls")),
]

handler400 = "portal.api.views.bad_request"
handler404 = "portal.api.views.not_found"
handler500 = "portal.api.views.server_error"
