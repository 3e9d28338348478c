"""Conferences in Django admin: staff read them, nobody changes them there, and neither
guest passes nor Janus secrets are shown."""

from __future__ import annotations

import pytest
from django.test import Client

from conferencing import services
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers import outside_a_request

pytestmark = outside_a_request

LIST = "/admin/conferencing/conference/"


@pytest.mark.django_db
def test_staff_read_conferences_and_change_nothing(meeting):
    services.conference_join(actor=meeting.organizer, conference_id=meeting.id)
    _link, secret = services.guest_link_create(
        actor=meeting.organizer, conference_id=meeting.id, expires_in_minutes=10
    )
    _guest, token = services.guest_join(link=secret, display_name="Гость Сидоров")
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=root.login, password=DEFAULT_PASSWORD)
    listing = client.get(LIST)
    assert listing.status_code == 200 and "Планёрка" in listing.content.decode()
    page = client.get(f"{LIST}{meeting.id}/change/")
    text = page.content.decode()
    assert page.status_code == 200 and "Гость Сидоров" in text
    assert token not in text and secret not in text
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{meeting.id}/delete/", {"post": "yes"}).status_code == 403
