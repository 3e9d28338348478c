"""Calls in Django admin: IT staff read them; nobody edits, adds or deletes one there
(only the services write a call)."""

from __future__ import annotations

import pytest
from django.test import Client

from conferencing import services
from tests.conferencing.conftest import call_scene
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers import outside_a_request

pytestmark = outside_a_request


@pytest.fixture
def staff_client(db):
    UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login="root-admin", password=DEFAULT_PASSWORD)
    return client


def test_staff_read_calls_and_cannot_change_them(staff_client):
    s = call_scene()
    call = services.call_start(
        actor=s.alice, session=s.session["alice"], kind="video", callee_id=s.bob.pk
    )
    listing = staff_client.get("/admin/conferencing/call/")
    assert listing.status_code == 200 and "ringing" in listing.content.decode()
    page = staff_client.get(f"/admin/conferencing/call/{call.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read only
    assert staff_client.post(f"/admin/conferencing/call/{call.pk}/change/", {}).status_code == 403
    assert staff_client.get("/admin/conferencing/call/add/").status_code == 403
    assert (
        staff_client.post(
            f"/admin/conferencing/call/{call.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    call.refresh_from_db()
    assert call.state == "ringing"
