"""Moderators: mute, remove (no coming back), lock, moderators named, end for all; and
what the others are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from conferencing.models import Conference, ConferenceGuestLink, Participant
from portal import clock
from tests.conferencing.scene_conferences import url
from tests.factories.accounts import UserFactory
from tests.factories.conferencing import conference_for
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _join_all(meeting) -> dict[str, str]:
    ids = {}
    for login in ("organizer", "alice", "bob"):
        response = meeting.c[login].post(url(meeting.id, "/join"))
        assert response.status_code == 200, response.content
        ids[login] = response.json()["participant"]["id"]
        meeting.c[login].patch(url(meeting.id, "/me"), {"audio": True}, format="json")
    return ids


def test_mute_one_and_all(meeting):
    ids = _join_all(meeting)
    with capture_events() as captured:
        response = meeting.c["organizer"].post(
            url(meeting.id, "/mute"), {"participant_id": ids["alice"]}, format="json"
        )
    assert response.status_code == 204
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["id"] == ids["alice"] and not event["participant"]["audio"]
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk), str(meeting.bob.pk)}
    with capture_events() as captured:
        meeting.c["organizer"].post(url(meeting.id, "/mute"), {}, format="json")
    # Bob only: Alice was muted already, and the moderator keeps their own microphone.
    assert [e["participant"]["id"] for e, _ in captured.of_type("conference_participant")] == [
        ids["bob"]
    ]
    assert Participant.objects.get(pk=ids["organizer"]).audio


def test_non_moderator_is_refused_and_outsider_learns_nothing(meeting):
    ids = _join_all(meeting)
    for path, body in (
        ("/mute", {}),
        ("/lock", {"locked": True}),
        ("/end", None),
        (f"/participants/{ids['bob']}/remove", None),
        ("/moderators", {"user_id": str(meeting.bob.pk)}),
    ):
        kwargs = {"format": "json"} if body is not None else {}
        response = meeting.c["alice"].post(url(meeting.id, path), body, **kwargs)
        assert_api_error(response, 403, "not_conference_moderator")
        response = meeting.c["outsider"].post(url(meeting.id, path), body, **kwargs)
        assert_api_error(response, 404, "conference_not_found")
    conference = Conference.objects.get(pk=meeting.id)
    assert not conference.locked and conference.ended_at is None
    assert Participant.objects.filter(conference=conference, state="joined").count() == 3


def test_removed_participant_cannot_rejoin(meeting):
    ids = _join_all(meeting)
    with capture_events() as captured:
        response = meeting.c["organizer"].post(
            url(meeting.id, f"/participants/{ids['bob']}/remove")
        )
    assert response.status_code == 200 and response.json()["state"] == "removed"
    [(_event, users)] = captured.of_type("conference_participant")
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk), str(meeting.bob.pk)}
    assert_api_error(meeting.c["bob"].post(url(meeting.id, "/join")), 403,
                     "removed_from_conference")  # fmt: skip
    assert meeting.c["bob"].get(url(meeting.id, "/me")).json()["participant"]["state"] == "removed"
    # The organizer cannot be removed.
    response = meeting.c["organizer"].post(
        url(meeting.id, f"/participants/{ids['organizer']}/remove")
    )
    assert_api_error(response, 404, "participant_not_found")


def test_locked_room_takes_nobody_new_but_lets_the_others_back(meeting):
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    meeting.c["alice"].post(url(meeting.id, "/join"))
    meeting.c["alice"].post(url(meeting.id, "/leave"))
    with capture_events() as captured:
        locked = meeting.c["organizer"].post(url(meeting.id, "/lock"), {"locked": True},
                                             format="json")  # fmt: skip
    assert locked.status_code == 200 and locked.json()["locked"] is True
    [(event, users)] = captured.of_type("conference")
    assert event["op"] == "update" and users == {str(meeting.organizer.pk)}
    assert_api_error(meeting.c["bob"].post(url(meeting.id, "/join")), 403, "conference_locked")
    assert not Participant.objects.filter(user=meeting.bob).exists()
    assert meeting.c["alice"].post(url(meeting.id, "/join")).status_code == 200
    meeting.c["organizer"].post(url(meeting.id, "/lock"), {"locked": False}, format="json")
    assert meeting.c["bob"].post(url(meeting.id, "/join")).status_code == 200


def test_named_moderator_moderates(meeting):
    ids = _join_all(meeting)
    with capture_events() as captured:
        response = meeting.c["organizer"].post(
            url(meeting.id, "/moderators"), {"user_id": str(meeting.alice.pk)}, format="json"
        )
    assert response.status_code == 200
    [(event, users)] = captured.of_type("conference")
    assert event["op"] == "update" and event["conference"]["moderator_ids"] == [
        str(meeting.alice.pk)
    ]
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk), str(meeting.bob.pk)}
    assert response.json()["moderator_ids"] == [str(meeting.alice.pk)]
    assert (
        meeting.c["alice"]
        .post(url(meeting.id, "/mute"), {"participant_id": ids["bob"]}, format="json")
        .status_code
        == 204
    )
    # Nobody gains sight of a meeting by being named its moderator.
    response = meeting.c["organizer"].post(
        url(meeting.id, "/moderators"), {"user_id": str(meeting.outsider.pk)}, format="json"
    )
    assert_api_error(response, 400, "invalid_conference")


def test_end_for_all(meeting):
    _join_all(meeting)
    with capture_events() as captured:
        assert meeting.c["organizer"].post(url(meeting.id, "/end")).status_code == 200
    [(event, users)] = captured.of_type("conference")
    assert event["op"] == "update" and event["conference"]["ended_at"]
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk), str(meeting.bob.pk)}
    assert not Participant.objects.filter(conference_id=meeting.id, state="joined").exists()
    assert_api_error(meeting.c["alice"].post(url(meeting.id, "/join")), 409, "conference_ended")
    assert_api_error(meeting.c["organizer"].post(url(meeting.id, "/end")), 409, "conference_ended")


def test_reminders_once_before_the_start(meeting):
    from conferencing.tasks_conferences import send_conference_reminders

    later = conference_for(
        meeting.organizer, invitee_ids=[meeting.alice.pk],
        starts_at=clock.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    meeting.c["organizer"].post(url(meeting.id, "/join"))  # started: no reminder for it
    with capture_events() as captured:
        assert send_conference_reminders() == 0
    assert captured.events == []
    with clock.frozen(later.starts_at - dt.timedelta(minutes=9)):
        with capture_events() as captured:
            assert send_conference_reminders() == 1
        [(event, users)] = captured.of_type("conference_reminder")
        assert event["op"] == "add" and event["conference"]["id"] == str(later.pk)
        assert users == {str(meeting.organizer.pk), str(meeting.alice.pk)}
        assert send_conference_reminders() == 0  # never twice


def test_embedded_style_mesh_beyond_the_limit_without_janus_is_full(meeting, settings):
    settings.CONFERENCE_MESH_MAX = 2
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    meeting.c["alice"].post(url(meeting.id, "/join"))
    assert_api_error(meeting.c["bob"].post(url(meeting.id, "/join")), 409, "conference_full")
    assert Conference.objects.get(pk=meeting.id).topology == "mesh"
    extra = UserFactory.create()
    assert_api_error(api_client(extra).post(url(meeting.id, "/join")), 404, "conference_not_found")


def test_removed_moderator_loses_every_power(meeting):
    ids = _join_all(meeting)
    meeting.c["organizer"].post(
        url(meeting.id, "/moderators"), {"user_id": str(meeting.alice.pk)}, format="json"
    )
    with capture_events() as captured:
        response = meeting.c["organizer"].post(
            url(meeting.id, f"/participants/{ids['alice']}/remove")
        )
    assert response.status_code == 200
    [(event, users)] = captured.of_type("conference")
    assert event["conference"]["moderator_ids"] == []
    assert users == {str(meeting.organizer.pk), str(meeting.bob.pk)}
    for path, body in (
        ("/guest-links", {"expires_in_minutes": 60}),
        ("/lock", {"locked": True}),
        ("/mute", {}),
        ("/end", None),
        (f"/participants/{ids['bob']}/remove", None),
        ("/moderators", {"user_id": str(meeting.bob.pk)}),
    ):
        kwargs = {"format": "json"} if body is not None else {}
        response = meeting.c["alice"].post(url(meeting.id, path), body, **kwargs)
        assert_api_error(response, 403, "not_conference_moderator")
    # Named again by mistake, a removed user still moderates nothing.
    meeting.c["organizer"].post(
        url(meeting.id, "/moderators"), {"user_id": str(meeting.alice.pk)}, format="json"
    )
    response = meeting.c["alice"].post(url(meeting.id, "/lock"), {"locked": True}, format="json")
    assert_api_error(response, 403, "not_conference_moderator")
    conference = Conference.objects.get(pk=meeting.id)
    assert not conference.locked and conference.ended_at is None
    assert not ConferenceGuestLink.objects.filter(conference=conference).exists()


def test_every_moderation_action_is_audited_with_its_target(meeting):
    from conferencing.models import Participant as P
    from portal.audit.models import AuditEvent
    from tests.helpers.api import api_client as anonymous

    ids = _join_all(meeting)
    before = AuditEvent.objects.count()
    c = meeting.c["organizer"]
    c.post(url(meeting.id, "/mute"), {"participant_id": ids["alice"]}, format="json")
    c.post(url(meeting.id, "/mute"), {}, format="json")
    c.post(url(meeting.id, "/moderators"), {"user_id": str(meeting.alice.pk)}, format="json")
    link = c.post(url(meeting.id, "/guest-links"), {"expires_in_minutes": 5}, format="json")
    guest = anonymous().post(
        "/api/v1/conferences/guest-join", {"link": link.json()["link"], "display_name": "Иван"},
        format="json",
    ).json()["participant"]["id"]  # fmt: skip
    c.post(url(meeting.id, f"/participants/{guest}/admit"))
    c.post(url(meeting.id, "/lock"), {"locked": True}, format="json")
    c.post(url(meeting.id, "/lock"), {"locked": False}, format="json")
    c.post(url(meeting.id, f"/participants/{ids['bob']}/remove"))
    c.post(url(meeting.id, "/end"))
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == [
        "conference.mute",
        "conference.mute",
        "conference.moderator_add",
        "conference.guest_link_create",
        "conference.participant_admit",
        "conference.lock",
        "conference.unlock",
        "conference.participant_remove",
        "conference.end",
    ]
    assert {e.actor_id for e in events} == {meeting.organizer.pk}
    assert {e.target_id for e in events} == {meeting.id}
    assert all(e.ip == "127.0.0.1" for e in events)
    mute_one, mute_all, moderator, _link, admit, *_rest, remove, _end = events
    assert mute_one.details == {
        "participant_id": ids["alice"], "user_id": str(meeting.alice.pk), "guest": False
    }  # fmt: skip
    assert mute_all.details == {"participant_ids": [ids["bob"]]}
    assert moderator.details == {"user_id": str(meeting.alice.pk)}
    assert admit.details == {"participant_id": guest, "user_id": None, "guest": True}
    assert admit.target_repr == P.objects.get(pk=guest).display_name == "Иван"
    assert remove.details == {
        "participant_id": ids["bob"], "user_id": str(meeting.bob.pk), "guest": False
    }  # fmt: skip


def test_a_meeting_nobody_is_in_ends_after_its_scheduled_end(meeting):
    from conferencing.tasks_conferences import end_overdue_conferences
    from portal.audit.models import AuditEvent

    busy = conference_for(meeting.organizer, invitee_ids=[meeting.alice.pk])
    meeting.c["alice"].post(url(meeting.id, "/join"))
    meeting.c["alice"].post(url(meeting.id, "/leave"))
    meeting.c["alice"].post(url(str(busy.pk), "/join"))
    # Both were scheduled for an hour; the margin is another hour.
    with clock.frozen(clock.now() + dt.timedelta(minutes=119)):
        assert end_overdue_conferences() == 0
    with clock.frozen(clock.now() + dt.timedelta(minutes=121)):
        with capture_events() as captured:
            assert end_overdue_conferences() == 1
        # Someone is still in the other: it overruns, and is not cut off.
        assert Conference.objects.get(pk=busy.pk).ended_at is None
    conference = Conference.objects.get(pk=meeting.id)
    assert conference.ended_at is not None
    [(event, users)] = captured.of_type("conference")
    assert event["conference"]["ended_at"] and users == {str(meeting.organizer.pk)}
    record = AuditEvent.objects.filter(action="conference.end").get()
    assert record.actor_id is None and record.details == {"overdue": True}
    assert_api_error(meeting.c["alice"].post(url(meeting.id, "/join")), 409, "conference_ended")
