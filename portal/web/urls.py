"""The client's files and routes: included last in portal/urls.py, so the API, admin and
health checks keep their own answers (an unknown /api/ path is still a JSON 404)."""

from django.urls import URLPattern, re_path

from portal.web import views

# Everything but the server's own prefixes is a client route.
CLIENT_ROUTE = r"^(?!api/|admin/|ws/|static/|assets/|healthz$|readyz$).*$"

urlpatterns: list[URLPattern] = [
    re_path(r"^(?P<path>assets/.+|favicon\.svg|robots\.txt)$", views.asset, name="client-asset"),
    re_path(CLIENT_ROUTE, views.index, name="client"),
]
