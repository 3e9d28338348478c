"""Scheduling, joining and the participant list over REST, with the exact recipients of
every event, and the bad inputs of scheduling."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import override_settings

from conferencing.models import Conference, Participant
from portal import clock
from tests.conferencing.scene_conferences import url
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.factories.conferencing import conference_for
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def test_create_invites_users_and_departments_and_tells_each(meeting):
    department = DepartmentFactory.create()
    clerk = UserFactory.create(department=department)
    starts = clock.now() + dt.timedelta(hours=2)
    with capture_events() as captured:
        response = meeting.c["organizer"].post(
            "/api/v1/conferences",
            {"title": " Бюджет 2027 ", "starts_at": starts.isoformat(), "duration_minutes": 90,
             "invitee_ids": [str(meeting.alice.pk)], "department_ids": [str(department.pk)]},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Бюджет 2027"
    assert body["topology"] == "mesh" and body["locked"] is False
    assert dt.datetime.fromisoformat(body["ends_at"]) == starts + dt.timedelta(minutes=90)
    [(event, users)] = captured.of_type("conference")
    assert event["op"] == "add" and event["conference"]["id"] == body["id"]
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk), str(clerk.pk)}
    listed = meeting.c["alice"].get("/api/v1/conferences").json()["results"]
    assert body["id"] in [c["id"] for c in listed]
    assert body["id"] not in [
        c["id"] for c in meeting.c["outsider"].get("/api/v1/conferences").json()["results"]
    ]


def test_conference_of_a_conversation_is_for_its_members(meeting):
    created = meeting.c["organizer"].post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Отдел", "member_ids": [str(meeting.bob.pk)]}, format="json",
    ).json()  # fmt: skip
    with capture_events() as captured:
        response = meeting.c["organizer"].post(
            "/api/v1/conferences", {"title": "Созвон", "conversation_id": created["id"]},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    [(_event, users)] = captured.of_type("conference")
    assert users == {str(meeting.organizer.pk), str(meeting.bob.pk)}
    conference_id = response.json()["id"]
    assert meeting.c["bob"].post(url(conference_id, "/join")).status_code == 200
    assert_api_error(
        meeting.c["alice"].post(url(conference_id, "/join")), 404, "conference_not_found"
    )
    # Someone outside the conversation cannot hang a meeting on it.
    outsider = meeting.c["outsider"].post(
        "/api/v1/conferences", {"title": "x", "conversation_id": created["id"]}, format="json"
    )
    assert_api_error(outsider, 404, "conversation_not_found")


def test_only_members_who_may_post_schedule_in_a_conversation(meeting):
    channel = meeting.c["organizer"].post(
        "/api/v1/conversations",
        {"kind": "channel", "title": "Новости", "member_ids": [str(meeting.alice.pk)]},
        format="json",
    ).json()  # fmt: skip
    group = meeting.c["organizer"].post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Отдел", "member_ids": [str(meeting.bob.pk)]}, format="json",
    ).json()  # fmt: skip
    role = meeting.c["organizer"].post(
        f"/api/v1/conversations/{group['id']}/members/{meeting.bob.pk}/role",
        {"role": "read_only"}, format="json",
    )  # fmt: skip
    assert role.status_code == 204, role.content
    for login, conversation in (("alice", channel), ("bob", group)):
        with capture_events() as captured:
            response = meeting.c[login].post(
                "/api/v1/conferences", {"title": "Спам", "conversation_id": conversation["id"]},
                format="json",
            )  # fmt: skip
        assert_api_error(response, 403, "not_allowed_to_schedule")
        assert captured.events == []
    assert not Conference.objects.filter(title="Спам").exists()
    response = meeting.c["organizer"].post(
        "/api/v1/conferences", {"title": "Эфир", "conversation_id": channel["id"]}, format="json"
    )
    assert response.status_code == 201, response.content


def test_taking_part_once_is_no_lasting_right(meeting):
    """An ex-member of the conversation who once took part neither sees the meeting nor
    gets back in, locked or not; while still in it, they may leave."""
    created = meeting.c["organizer"].post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Отдел", "member_ids": [str(meeting.bob.pk)]}, format="json",
    ).json()  # fmt: skip
    conference_id = meeting.c["organizer"].post(
        "/api/v1/conferences", {"title": "Созвон", "conversation_id": created["id"]},
        format="json",
    ).json()["id"]  # fmt: skip
    assert meeting.c["bob"].post(url(conference_id, "/join")).status_code == 200
    assert meeting.c["bob"].post(url(conference_id, "/leave")).status_code == 204
    assert meeting.c["bob"].post(url(conference_id, "/join")).status_code == 200
    members = f"/api/v1/conversations/{created['id']}/members/{meeting.bob.pk}"
    assert meeting.c["organizer"].delete(members).status_code == 204
    # Still in the meeting: Bob sees it and may leave, but not come back.
    assert meeting.c["bob"].get(url(conference_id)).status_code == 200
    assert meeting.c["bob"].post(url(conference_id, "/leave")).status_code == 204
    for locked in (False, True):
        meeting.c["organizer"].post(url(conference_id, "/lock"), {"locked": locked}, format="json")
        for response in (
            meeting.c["bob"].get(url(conference_id)),
            meeting.c["bob"].post(url(conference_id, "/join")),
            meeting.c["bob"].get(url(conference_id, "/participants")),
        ):
            assert_api_error(response, 404, "conference_not_found")
        listed = meeting.c["bob"].get("/api/v1/conferences").json()["results"]
        assert conference_id not in [c["id"] for c in listed]
    assert Participant.objects.get(conference_id=conference_id, user=meeting.bob).state == "left"


def test_join_leave_and_the_participant_list(meeting):
    with capture_events() as captured:
        joined = meeting.c["alice"].post(url(meeting.id, "/join"))
    assert joined.status_code == 200, joined.content
    me = joined.json()
    assert me["participant"]["state"] == "joined"
    assert me["media"] == {"topology": "mesh", "peers": [], "janus": None}
    [(event, users)] = captured.of_type("conference_participant")
    assert event["op"] == "update" and users == {str(meeting.alice.pk)}

    with capture_events() as captured:
        bob = meeting.c["bob"].post(url(meeting.id, "/join")).json()
    [(event, users)] = captured.of_type("conference_participant")
    assert users == {str(meeting.alice.pk), str(meeting.bob.pk)}
    assert bob["media"]["peers"] == [me["participant"]["id"]]

    with capture_events() as captured:
        patched = meeting.c["bob"].patch(
            url(meeting.id, "/me"), {"audio": True, "video": True, "hand_raised": True},
            format="json",
        )  # fmt: skip
    assert patched.status_code == 200, patched.content
    state = patched.json()["participant"]
    assert state["audio"] and state["video"] and not state["screen"] and state["hand_raised_at"]
    [(event, users)] = captured.of_type("conference_participant")
    assert users == {str(meeting.alice.pk), str(meeting.bob.pk)}

    listed = meeting.c["alice"].get(url(meeting.id, "/participants")).json()["results"]
    assert [p["display_name"] for p in listed] == [str(meeting.alice), str(meeting.bob)]
    with capture_events() as captured:
        assert meeting.c["alice"].post(url(meeting.id, "/leave")).status_code == 204
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["state"] == "left" and not event["participant"]["audio"]
    assert users == {str(meeting.alice.pk), str(meeting.bob.pk)}
    assert meeting.c["bob"].get(url(meeting.id, "/me")).json()["media"]["peers"] == []
    assert_api_error(meeting.c["alice"].post(url(meeting.id, "/leave")), 409, "not_in_conference")
    # Coming back is allowed.
    assert meeting.c["alice"].post(url(meeting.id, "/join")).status_code == 200


def test_invitation_is_an_icalendar_vevent(meeting):
    meeting.alice.email = "alice@example.gov"
    meeting.alice.save()
    link = meeting.c["alice"].get(url(meeting.id)).json()["invitation_url"]
    assert link == url(meeting.id, "/invitation.ics")
    response = meeting.c["alice"].get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:{meeting.id}@portal" in lines
    starts = meeting.conference.starts_at.astimezone(dt.UTC)
    assert f"DTSTART:{starts:%Y%m%dT%H%M%SZ}" in lines
    assert f"DTEND:{starts + dt.timedelta(minutes=60):%Y%m%dT%H%M%SZ}" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert any(line.startswith("ORGANIZER;CN=") for line in lines)
    assert any(line.endswith(":mailto:alice@example.gov") for line in lines)
    assert f"URL:http://testserver/conferences/{meeting.id}" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert_api_error(meeting.c["outsider"].get(url(meeting.id, "/invitation.ics")), 404,
                     "conference_not_found")  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": 100000}, "duration_minutes"),
        ({"starts_at": "2001-01-01T10:00:00+03:00"}, "starts_at"),
        ({"starts_at": "2999-01-01T10:00:00+03:00"}, "starts_at"),
        ({"title": "   "}, "title"),
    ],
)
def test_bad_times_and_titles_are_refused(meeting, fields, field):
    before = Conference.objects.count()
    response = meeting.c["organizer"].post(
        "/api/v1/conferences", {"title": "Планёрка", **fields}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in str(response.json()["error"]["details"])
    assert Conference.objects.count() == before


@override_settings(CONFERENCE_MAX_INVITEES=3)
def test_too_many_invitees_are_refused(meeting):
    department = DepartmentFactory.create()
    for _ in range(4):
        UserFactory.create(department=department)
    response = meeting.c["organizer"].post(
        "/api/v1/conferences", {"title": "Все", "department_ids": [str(department.pk)]},
        format="json",
    )  # fmt: skip
    assert_api_error(response, 400, "invalid_conference")
    assert not Conference.objects.filter(title="Все").exists()


def test_unknown_ids_are_not_found(meeting):
    client = meeting.c["organizer"]
    for body, code in (
        ({"invitee_ids": [str(uuid.uuid4())]}, "user_not_found"),
        ({"department_ids": [str(uuid.uuid4())]}, "department_not_found"),
        ({"conversation_id": str(uuid.uuid4())}, "conversation_not_found"),
    ):
        response = client.post("/api/v1/conferences", {"title": "x", **body}, format="json")
        assert_api_error(response, 404, code)
    assert_api_error(client.get(url(str(uuid.uuid4()))), 404, "conference_not_found")
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    missing = url(meeting.id, f"/participants/{uuid.uuid4()}/remove")
    assert_api_error(client.post(missing), 404, "participant_not_found")


# The anonymous / outsider / permitted matrix of every endpoint. "permitted" is the
# organizer (a moderator) after joining; the outsider learns nothing (404).
def _endpoints(conference_id: str, participant_id: str):
    one = url(conference_id)
    return [
        ("get", one, None, 200),
        ("get", f"{one}/invitation.ics", None, 200),
        ("get", f"{one}/me", None, 200),
        ("patch", f"{one}/me", {"audio": True}, 200),
        ("get", f"{one}/participants", None, 200),
        ("post", f"{one}/mute", {}, 204),
        ("post", f"{one}/lock", {"locked": False}, 200),
        ("post", f"{one}/moderators", {"user_id": "ALICE"}, 200),
        ("post", f"{one}/guest-links", {"expires_in_minutes": 30}, 201),
        ("post", f"{one}/participants/{participant_id}/admit", None, 404),
        ("post", f"{one}/participants/{participant_id}/remove", None, 200),
        ("post", f"{one}/leave", None, 204),
        ("post", f"{one}/join", None, 200),
        ("post", f"{one}/end", None, 200),
    ]


def test_access_matrix_of_every_endpoint(meeting):
    meeting.c["organizer"].post(url(meeting.id, "/join"))
    bob = meeting.c["bob"].post(url(meeting.id, "/join")).json()["participant"]["id"]
    anonymous = api_client()
    for method, path, body, permitted in _endpoints(meeting.id, bob):
        if body and body.get("user_id") == "ALICE":
            body = {"user_id": str(meeting.alice.pk)}
        kwargs = {"format": "json"} if body is not None else {}
        response = getattr(anonymous, method)(path, body, **kwargs)
        assert_api_error(response, 401, "not_authenticated")
        response = getattr(meeting.c["outsider"], method)(path, body, **kwargs)
        assert_api_error(response, 404, "conference_not_found")
        response = getattr(meeting.c["organizer"], method)(path, body, **kwargs)
        assert response.status_code == permitted, (path, response.content)
    assert Conference.objects.get(pk=meeting.id).ended_at is not None
    for method, path in (("get", "/api/v1/conferences"), ("post", "/api/v1/conferences")):
        assert_api_error(getattr(anonymous, method)(path), 401, "not_authenticated")
    assert Participant.objects.filter(conference_id=meeting.id).count() == 2


def test_the_list_costs_the_same_queries_however_many_conferences(meeting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = meeting.c["alice"].get("/api/v1/conferences")
        assert response.status_code == 200
        return len(captured)

    one = queries()
    for n in range(4):
        conference_for(meeting.organizer, title=f"Совещание {n}", invitee_ids=[meeting.alice.pk],
                       moderator_ids=[meeting.bob.pk])  # fmt: skip
    assert len(meeting.c["alice"].get("/api/v1/conferences").json()["results"]) == 5
    assert queries() == one
