"""ICE servers for a conference's mesh: for those who see it, and for its admitted guests
(whose TURN username names their participant id); nobody else learns it exists."""

from __future__ import annotations

import pytest

from conferencing.turn import turn_credential
from tests.conferencing.scene_conferences import guest_client, url
from tests.factories.conferencing import conference_for
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db
SECRET = "a-turn-secret-of-the-tests"


@pytest.fixture(autouse=True)
def turn(settings):
    settings.TURN_SECRET = SECRET
    settings.TURN_URLS = ["turn:127.0.0.1:3478?transport=udp"]
    settings.STUN_URLS = []


def _guest(meeting) -> dict:
    link = (
        meeting.c["organizer"]
        .post(url(meeting.id, "/guest-links"), {"expires_in_minutes": 30}, format="json")
        .json()["link"]
    )
    response = api_client().post(
        "/api/v1/conferences/guest-join", {"link": link, "display_name": "Гость"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _turn(body: dict) -> dict:
    [server] = body["ice_servers"]
    assert server["urls"] == ["turn:127.0.0.1:3478?transport=udp"]
    assert server["credential"] == turn_credential(SECRET, server["username"])
    return server


def test_an_invitee_gets_a_turn_credential_of_their_own(meeting):
    response = meeting.c["alice"].get(url(meeting.id, "/ice-servers"))
    assert response.status_code == 200, response.content
    assert _turn(response.json())["username"].endswith(f":{meeting.alice.pk}")
    assert response.json()["ttl_seconds"] > 0


def test_a_guest_gets_one_once_admitted_and_not_in_the_lobby(meeting):
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    joined = _guest(meeting)
    guest = guest_client(joined["token"])
    assert_api_error(guest.get(url(meeting.id, "/ice-servers")), 409, "not_in_conference")
    guest_id = joined["participant"]["id"]
    meeting.c["organizer"].post(url(meeting.id, f"/participants/{guest_id}/admit"))
    response = guest.get(url(meeting.id, "/ice-servers"))
    assert response.status_code == 200, response.content
    assert _turn(response.json())["username"].endswith(f":guest-{guest_id}")


def test_outsiders_and_other_meetings_guests_learn_nothing(meeting):
    missing = assert_api_error(
        meeting.c["outsider"].get(url("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "/ice-servers")),
        404, "conference_not_found",
    )  # fmt: skip
    unseen = assert_api_error(
        meeting.c["outsider"].get(url(meeting.id, "/ice-servers")), 404, "conference_not_found"
    )
    assert unseen == missing
    other = conference_for(meeting.outsider)
    guest = guest_client(_guest(meeting)["token"])
    assert_api_error(guest.get(url(str(other.pk), "/ice-servers")), 404, "conference_not_found")
    assert_api_error(api_client().get(url(meeting.id, "/ice-servers")), 401, "not_authenticated")
