"""Guests: the link, the lobby, admission, and a pass that works for one meeting only."""

from __future__ import annotations

import datetime as dt

import pytest

from conferencing.models import Participant
from conferencing.tasks_conferences import expire_conference_guests
from portal import clock
from tests.conferencing.scene_conferences import guest_client, url
from tests.factories.conferencing import conference_for
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _link(meeting, minutes: int = 60) -> str:
    response = meeting.c["organizer"].post(
        url(meeting.id, "/guest-links"), {"expires_in_minutes": minutes}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"].endswith(response.json()["link"])
    return response.json()["link"]


def _guest(meeting, name: str = "Гость Иванов", link: str | None = None):
    response = api_client().post(
        "/api/v1/conferences/guest-join",
        {"link": link or _link(meeting), "display_name": name}, format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()


def test_guest_waits_in_the_lobby_until_admitted(meeting):
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    meeting.c["alice"].post(url(meeting.id, "/join"))
    with capture_events() as captured:
        joined = _guest(meeting)
    assert joined["participant"]["state"] == "lobby" and joined["participant"]["guest"]
    assert joined["token"].startswith("gst_")
    # Only the moderators hear of someone in the lobby.
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["state"] == "lobby" and users == {str(meeting.organizer.pk)}
    guest = guest_client(joined["token"])
    me = guest.get(url(meeting.id, "/me")).json()
    assert me["participant"]["state"] == "lobby" and me["media"] is None
    assert guest.get(url(meeting.id, "/participants")).json()["results"] == []
    lobby = meeting.c["organizer"].get(url(meeting.id, "/participants")).json()["results"]
    assert "lobby" in [p["state"] for p in lobby]
    assert meeting.c["alice"].get(url(meeting.id, "/participants")).json()["results"] == [
        p for p in lobby if p["state"] == "joined"
    ]
    guest_id = joined["participant"]["id"]
    assert_api_error(meeting.c["alice"].post(url(meeting.id, f"/participants/{guest_id}/admit")),
                     403, "not_conference_moderator")  # fmt: skip
    with capture_events() as captured:
        admitted = meeting.c["organizer"].post(url(meeting.id, f"/participants/{guest_id}/admit"))
    assert admitted.status_code == 200 and admitted.json()["state"] == "joined"
    [(_event, users)] = captured.of_type("conference_participant")
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk)}
    me = guest.get(url(meeting.id, "/me")).json()
    assert me["participant"]["state"] == "joined" and me["media"]["topology"] == "mesh"
    assert len(me["media"]["peers"]) == 2
    assert guest.patch(url(meeting.id, "/me"), {"video": True}, format="json").status_code == 200
    assert len(guest.get(url(meeting.id, "/participants")).json()["results"]) == 3
    # A guest moderates nothing.
    assert_api_error(guest.post(url(meeting.id, "/lock"), {"locked": True}, format="json"),
                     404, "not_found")  # fmt: skip
    assert guest.post(url(meeting.id, "/leave")).status_code == 204
    # A guest who left is done: the pass stops working.
    assert_api_error(guest.get(url(meeting.id, "/me")), 401, "guest_token_invalid")


def test_guest_sees_only_the_meeting_and_never_the_conversation(meeting):
    created = meeting.c["organizer"].post(
        "/api/v1/conversations", {"kind": "group", "title": "Бюджет", "member_ids": []},
        format="json",
    ).json()  # fmt: skip
    conference = conference_for(meeting.organizer, conversation_id=created["id"])
    meeting.id = str(conference.pk)
    guest = guest_client(_guest(meeting)["token"])
    detail = guest.get(url(meeting.id))
    assert detail.status_code == 200
    assert detail.json()["conversation_id"] is None and detail.json()["organizer_id"] is None
    assert detail.json()["invitation_url"] is None and detail.json()["moderator_ids"] == []
    for path in (
        f"/api/v1/conversations/{created['id']}",
        f"/api/v1/conversations/{created['id']}/messages",
        "/api/v1/conversations",
        "/api/v1/users",
        f"/api/v1/users/{meeting.organizer.pk}",
        "/api/v1/me",
        "/api/v1/conferences",
    ):
        assert_api_error(guest.get(path), 404, "not_found")
    # Not even another meeting of the same organizer.
    other = conference_for(meeting.organizer)
    assert_api_error(guest.get(url(str(other.pk))), 404, "conference_not_found")
    assert_api_error(guest.get(url(str(other.pk), "/me")), 404, "conference_not_found")
    # Nor the parts of its own meeting that are for users.
    assert_api_error(guest.get(url(meeting.id, "/invitation.ics")), 404, "not_found")
    assert_api_error(guest.post(url(meeting.id, "/join")), 404, "not_found")


def test_expired_link_is_refused_clearly(meeting):
    link = _link(meeting, minutes=5)
    with clock.frozen(clock.now() + dt.timedelta(minutes=6)):
        response = api_client().post(
            "/api/v1/conferences/guest-join", {"link": link, "display_name": "Поздний"},
            format="json",
        )  # fmt: skip
    error = assert_api_error(response, 403, "guest_link_expired")
    assert "expired" in error["message"] or "истёк" in error["message"]
    assert not Participant.objects.filter(display_name="Поздний").exists()


def test_bad_links_and_names(meeting):
    client = api_client()
    for link in ("gl_nope", "pat_something", ""):
        response = client.post(
            "/api/v1/conferences/guest-join", {"link": link, "display_name": "Кто-то"},
            format="json",
        )  # fmt: skip
        assert response.status_code in (400, 404), response.content
    response = client.post(
        "/api/v1/conferences/guest-join", {"link": _link(meeting), "display_name": "   "},
        format="json",
    )  # fmt: skip
    assert_api_error(response, 400, "validation_failed")
    for minutes in (0, -1, 7 * 24 * 60 + 1):
        response = meeting.c["organizer"].post(
            url(meeting.id, "/guest-links"), {"expires_in_minutes": minutes}, format="json"
        )
        assert_api_error(response, 400, "invalid_conference")
    response = meeting.c["alice"].post(
        url(meeting.id, "/guest-links"), {"expires_in_minutes": 10}, format="json"
    )
    assert_api_error(response, 403, "not_conference_moderator")
    assert_api_error(guest_client("gst_forged").get(url(meeting.id)), 401, "guest_token_invalid")


def test_locked_room_takes_no_new_guest_and_a_removed_guest_is_out(meeting):
    link = _link(meeting)
    waiting = _guest(meeting, link=link)
    meeting.c["organizer"].post(url(meeting.id, "/lock"), {"locked": True}, format="json")
    response = api_client().post(
        "/api/v1/conferences/guest-join", {"link": link, "display_name": "Новый"}, format="json"
    )
    assert_api_error(response, 403, "conference_locked")
    guest_id = waiting["participant"]["id"]
    removed = meeting.c["organizer"].post(url(meeting.id, f"/participants/{guest_id}/remove"))
    assert removed.status_code == 200 and removed.json()["state"] == "removed"
    assert_api_error(guest_client(waiting["token"]).get(url(meeting.id, "/me")), 401,
                     "guest_token_invalid")  # fmt: skip


def test_guest_pass_ends_with_the_meeting(meeting):
    token = _guest(meeting)["token"]
    assert meeting.c["organizer"].post(url(meeting.id, "/end")).status_code == 200
    assert_api_error(guest_client(token).get(url(meeting.id)), 401, "guest_token_invalid")
    response = api_client().post(
        "/api/v1/conferences/guest-join", {"link": _link_or_none(meeting), "display_name": "x"},
        format="json",
    )  # fmt: skip
    assert response.status_code in (404, 409)


def _link_or_none(meeting) -> str:
    response = meeting.c["organizer"].post(
        url(meeting.id, "/guest-links"), {"expires_in_minutes": 5}, format="json"
    )
    assert_api_error(response, 409, "conference_ended")
    return "gl_none"


def test_moderators_hear_of_the_lobby_before_they_join(meeting):
    meeting.c["alice"].post(url(meeting.id, "/join"))
    link = _link(meeting)
    with capture_events() as captured:
        waiting = _guest(meeting, link=link)
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["id"] == waiting["participant"]["id"]
    assert users == {str(meeting.organizer.pk)}  # not Alice: she moderates nothing


def test_a_guest_whose_pass_expired_frees_their_place(meeting):
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    guest = _guest(meeting, link=_link(meeting, minutes=5))
    meeting.c["organizer"].post(
        url(meeting.id, f"/participants/{guest['participant']['id']}/admit")
    )
    peers = meeting.c["organizer"].get(url(meeting.id, "/me")).json()["media"]["peers"]
    assert peers == [guest["participant"]["id"]]
    # The meeting is scheduled for an hour: the pass lasts as long.
    with clock.frozen(clock.now() + dt.timedelta(minutes=61)):
        assert_api_error(guest_client(guest["token"]).post(url(meeting.id, "/leave")), 401,
                         "guest_token_invalid")  # fmt: skip
        with capture_events() as captured:
            assert expire_conference_guests() == 1
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["state"] == "left" and users == {str(meeting.organizer.pk)}
    assert meeting.c["organizer"].get(url(meeting.id, "/me")).json()["media"]["peers"] == []
    listed = meeting.c["organizer"].get(url(meeting.id, "/participants")).json()["results"]
    assert [p["id"] for p in listed] == [
        meeting.c["organizer"].get(url(meeting.id, "/me")).json()["participant"]["id"]
    ]


def test_a_guest_learns_no_users_ids_from_the_participant_list(meeting):
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    meeting.c["alice"].post(url(meeting.id, "/join"))
    guest = _guest(meeting)
    meeting.c["organizer"].post(
        url(meeting.id, f"/participants/{guest['participant']['id']}/admit")
    )
    seen = guest_client(guest["token"]).get(url(meeting.id, "/participants")).json()["results"]
    assert len(seen) == 3 and [p["user_id"] for p in seen] == [None, None, None]
    assert [p["guest"] for p in seen] == [False, False, True]
    # Users still see each other's ids.
    listed = meeting.c["alice"].get(url(meeting.id, "/participants")).json()["results"]
    assert [p["user_id"] for p in listed] == [
        str(meeting.organizer.pk),
        str(meeting.alice.pk),
        None,
    ]


def test_every_moderator_hears_of_an_admission_joined_or_not(meeting):
    meeting.c["organizer"].post(
        url(meeting.id, "/moderators"), {"user_id": str(meeting.alice.pk)}, format="json"
    )
    meeting.c["bob"].post(url(meeting.id, "/join"))
    guest = _guest(meeting)
    with capture_events() as captured:
        # Neither moderator has joined: the organizer admits, Alice watches the lobby.
        admitted = meeting.c["organizer"].post(
            url(meeting.id, f"/participants/{guest['participant']['id']}/admit")
        )
    assert admitted.status_code == 200, admitted.content
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["state"] == "joined"
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk), str(meeting.bob.pk)}


def test_a_full_lobby_takes_no_more_guests(meeting, settings):
    settings.CONFERENCE_MESH_MAX = settings.CONFERENCE_MAX_PARTICIPANTS = 2
    link = _link(meeting)
    first = _guest(meeting, name="Первый", link=link)
    _guest(meeting, name="Второй", link=link)
    with capture_events() as captured:
        response = api_client().post(
            "/api/v1/conferences/guest-join", {"link": link, "display_name": "Третий"},
            format="json",
        )  # fmt: skip
    assert_api_error(response, 409, "conference_full")
    assert captured.events == []
    assert Participant.objects.filter(conference_id=meeting.id, state="lobby").count() == 2
    # One admitted (or turned away) frees a place in the lobby.
    meeting.c["organizer"].post(
        url(meeting.id, f"/participants/{first['participant']['id']}/admit")
    )
    _guest(meeting, name="Третий", link=link)


def test_a_revoked_link_admits_nobody_new(meeting):
    from portal.audit.models import AuditEvent

    created = (
        meeting.c["organizer"]
        .post(url(meeting.id, "/guest-links"), {"expires_in_minutes": 60}, format="json")
        .json()
    )
    waiting = _guest(meeting, link=created["link"])
    revoke = url(meeting.id, f"/guest-links/{created['id']}/revoke")
    assert_api_error(meeting.c["alice"].post(revoke), 403, "not_conference_moderator")
    assert_api_error(meeting.c["outsider"].post(revoke), 404, "conference_not_found")
    other = conference_for(meeting.organizer)
    assert_api_error(
        meeting.c["organizer"].post(url(str(other.pk), f"/guest-links/{created['id']}/revoke")),
        404, "guest_link_not_found",
    )  # fmt: skip
    response = api_client().post(
        "/api/v1/conferences/guest-join", {"link": created["link"], "display_name": "x"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201  # not revoked yet
    assert meeting.c["organizer"].post(revoke).status_code == 204
    assert meeting.c["organizer"].post(revoke).status_code == 204  # changes nothing
    response = api_client().post(
        "/api/v1/conferences/guest-join", {"link": created["link"], "display_name": "y"},
        format="json",
    )  # fmt: skip
    assert_api_error(response, 404, "guest_link_invalid")
    # A pass the link gave before stays valid.
    assert guest_client(waiting["token"]).get(url(meeting.id, "/me")).status_code == 200
    assert AuditEvent.objects.filter(action="conference.guest_link_revoke").count() == 1
