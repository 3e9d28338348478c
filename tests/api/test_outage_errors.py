"""How an unreachable database is answered and logged wherever it surfaces (the live
outage itself is tests/realtime/test_outages.py)."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from portal.api.views import server_error
from portal.outage import OutageLogFilter
from tests.helpers.api import assert_api_error, sign_in

pytestmark = pytest.mark.django_db


def _raise_outage(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_a_drf_view_answers_503_with_retry_after(user, monkeypatch):
    client, _ = sign_in(user)
    monkeypatch.setattr("portal.accounts.api.views.MeView.get", _raise_outage)
    response = client.get("/api/v1/me")
    assert_api_error(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0


def test_outside_drf_handler500_answers_503(rf: RequestFactory):
    """Admin pages and middleware fail through Django's handler500, which runs inside the
    ``except`` of the failed request."""
    try:
        _raise_outage()
    except OperationalError:
        response = server_error(rf.get("/admin/"))
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert json.loads(response.content)["error"]["code"] == "service_unavailable"
    assert server_error(rf.get("/admin/")).status_code == 500  # anything else is a bug


def test_an_admin_page_answers_503(admin_user, monkeypatch):
    monkeypatch.setattr("django.contrib.admin.sites.AdminSite.get_app_list", _raise_outage)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_the_log_has_one_line_not_a_trace():
    try:
        _raise_outage()
    except OperationalError as error:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                                   "Service Unavailable: %s", ("/api/v1/me",),
                                   (type(error), error, error.__traceback__))  # fmt: skip
    assert OutageLogFilter().filter(record)
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == (
        "Service Unavailable: /api/v1/me (database unavailable: connection to server at "
        "127.0.0.1 failed: Connection refused)"
    )
