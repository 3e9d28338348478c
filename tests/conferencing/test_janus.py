"""Conferences through a real Janus started on loopback (tests/conferencing/janus_server.py):
Portal creates and destroys the room, nobody joins without Portal's token, a participant
with theirs does, and a removed participant is kicked and cannot come back."""

from __future__ import annotations

import subprocess

import pytest

from conferencing.janus import Janus
from conferencing.models import Conference
from tests.conferencing.janus_server import JanusPeer, janus_server
from tests.conferencing.scene_conferences import url
from tests.helpers.api import assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db
UNAUTHORIZED = 433


@pytest.fixture(scope="module")
def janus_process(tmp_path_factory):
    with janus_server(tmp_path_factory.mktemp("janus")) as server:
        yield server


@pytest.fixture
def sfu(janus_process, settings):
    settings.JANUS_ENABLED = True
    settings.JANUS_URL = settings.JANUS_PUBLIC_URL = janus_process.url
    settings.JANUS_ADMIN_KEY = janus_process.room_admin_key
    settings.CONFERENCE_MESH_MAX = 2
    return Janus(janus_process.url, admin_key=janus_process.room_admin_key, timeout=5)


def _join(meeting, login):
    response = meeting.c[login].post(url(meeting.id, "/join"))
    assert response.status_code == 200, response.content
    return response.json()


def test_room_moves_to_janus_past_the_mesh_and_is_destroyed_at_the_end(
    meeting, sfu, django_capture_on_commit_callbacks
):
    _join(meeting, "organizer")
    assert _join(meeting, "alice")["media"]["topology"] == "mesh"
    with capture_events() as captured:
        bob = _join(meeting, "bob")
    janus = bob["media"]["janus"]
    assert bob["media"]["topology"] == "sfu" and janus["url"] == sfu.url
    conference = Conference.objects.get(pk=meeting.id)
    assert janus["room"] == conference.janus_room and sfu.room_exists(room=janus["room"])
    # Everyone is told the room moved, then that Bob joined.
    kinds = [(e["type"], e["op"], users) for e, users in captured.events]
    everyone = {str(u.pk) for u in (meeting.organizer, meeting.alice, meeting.bob)}
    assert kinds == [
        ("conference", "update", everyone),
        ("conference_participant", "update", everyone),
    ]
    # Each has their own token; the room's secret is never handed out.
    alice = meeting.c["alice"].get(url(meeting.id, "/me")).json()["media"]["janus"]
    assert alice["token"] != janus["token"] and alice["room"] == janus["room"]
    assert conference.janus_secret not in str(bob) + str(alice)

    with django_capture_on_commit_callbacks(execute=True):
        assert meeting.c["organizer"].post(url(meeting.id, "/end")).status_code == 200
    assert not sfu.room_exists(room=janus["room"])


def test_janus_admits_only_portals_tokens(meeting, sfu, janus_process):
    for login in ("organizer", "alice"):
        _join(meeting, login)
    bob = _join(meeting, "bob")["media"]["janus"]
    intruder = JanusPeer(janus_process.url)
    peer = JanusPeer(janus_process.url)
    try:
        for token in (None, "guessed-token"):
            refused = intruder.join(room=bob["room"], feed_id=42, token=token)
            assert refused.get("error_code") == UNAUTHORIZED, refused
        joined = peer.join(room=bob["room"], feed_id=bob["feed_id"], token=bob["token"])
        assert joined["videoroom"] == "joined" and joined["id"] == bob["feed_id"]
        assert [p["id"] for p in sfu.participants(room=bob["room"])] == [bob["feed_id"]]
    finally:
        intruder.close()
        peer.close()


def test_removed_participant_is_kicked_and_cannot_rejoin_janus(meeting, sfu, janus_process):
    for login in ("organizer", "alice"):
        _join(meeting, login)
    bob = _join(meeting, "bob")
    media = bob["media"]["janus"]
    peer = JanusPeer(janus_process.url)
    again = JanusPeer(janus_process.url)
    try:
        assert (
            peer.join(room=media["room"], feed_id=media["feed_id"], token=media["token"])[
                "videoroom"
            ]
            == "joined"
        )
        removed = meeting.c["organizer"].post(
            url(meeting.id, f"/participants/{bob['participant']['id']}/remove")
        )
        assert removed.status_code == 200, removed.content
        assert peer.next_plugin_event() == {
            "videoroom": "event", "room": media["room"], "leaving": "ok", "reason": "kicked"
        }  # fmt: skip
        assert sfu.participants(room=media["room"]) == []
        refused = again.join(room=media["room"], feed_id=media["feed_id"], token=media["token"])
        assert refused.get("error_code") == UNAUTHORIZED
        assert_api_error(meeting.c["bob"].post(url(meeting.id, "/join")), 403,
                         "removed_from_conference")  # fmt: skip
    finally:
        peer.close()
        again.close()


def test_a_guest_admitted_into_a_janus_room_gets_a_token(meeting, sfu, janus_process):
    from tests.conferencing.scene_conferences import guest_client
    from tests.helpers.api import api_client

    for login in ("organizer", "alice", "bob"):
        _join(meeting, login)
    link = (
        meeting.c["organizer"]
        .post(url(meeting.id, "/guest-links"), {"expires_in_minutes": 10}, format="json")
        .json()["link"]
    )
    joined = (
        api_client()
        .post(
            "/api/v1/conferences/guest-join", {"link": link, "display_name": "Гость"}, format="json"
        )
        .json()
    )
    guest = guest_client(joined["token"])
    assert guest.get(url(meeting.id, "/me")).json()["media"] is None
    meeting.c["organizer"].post(
        url(meeting.id, f"/participants/{joined['participant']['id']}/admit")
    )
    media = guest.get(url(meeting.id, "/me")).json()["media"]["janus"]
    peer = JanusPeer(janus_process.url)
    try:
        answer = peer.join(room=media["room"], feed_id=media["feed_id"], token=media["token"])
        assert answer["videoroom"] == "joined"
    finally:
        peer.close()


def test_no_peer_signals_once_the_room_is_on_janus(meeting, sfu):
    """Janus negotiates with each participant itself: Portal relays no mesh signal there
    (the relay over live sockets: test_conf_signalling_live.py)."""
    from conferencing.exceptions_conferences import ConferenceNotMesh
    from conferencing.models import Participant
    from conferencing.signalling import signal_parse
    from conferencing.signalling_conferences import SIGNAL_IDS, conference_signal

    organizer = _join(meeting, "organizer")["participant"]["id"]
    _join(meeting, "alice")
    assert _join(meeting, "bob")["media"]["topology"] == "sfu"
    alice = Participant.objects.get(conference_id=meeting.id, user=meeting.alice)
    frame = {"conference_id": meeting.id, "to": organizer, "sdp": {"type": "offer", "sdp": "v=0"}}
    assert alice.session is not None  # the device she joined from
    with pytest.raises(ConferenceNotMesh):
        conference_signal(
            actor=meeting.alice, session=alice.session, conference_id=meeting.id, to=organizer,
            signal=signal_parse(frame, ids=SIGNAL_IDS),
        )  # fmt: skip


def test_janus_down_changes_nothing(meeting, sfu, settings):
    settings.JANUS_URL = "http://127.0.0.1:9/janus"  # the discard port: nothing listens
    for login in ("organizer", "alice"):
        _join(meeting, login)
    response = meeting.c["bob"].post(url(meeting.id, "/join"))
    assert_api_error(response, 503, "media_server_unavailable")
    conference = Conference.objects.get(pk=meeting.id)
    assert conference.topology == "mesh" and conference.janus_room is None
    assert not conference.participants.filter(user=meeting.bob).exists()


def test_ending_never_waits_for_janus(
    meeting, sfu, settings, caplog, django_capture_on_commit_callbacks
):
    for login in ("organizer", "alice", "bob"):
        _join(meeting, login)
    room = Conference.objects.get(pk=meeting.id).janus_room
    settings.JANUS_URL = "http://127.0.0.1:9/janus"
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting.c["organizer"].post(url(meeting.id, "/end")).status_code == 200
    assert Conference.objects.get(pk=meeting.id).ended_at is not None
    assert f"Janus room {room}" in caplog.text
    settings.JANUS_URL = sfu.url
    sfu.room_destroy(room=room, secret=Conference.objects.get(pk=meeting.id).janus_secret)


def test_janus_listens_on_loopback_only(janus_process):
    """The network rule: every socket the test Janus listens on is bound to 127.0.0.1."""
    listing = subprocess.run(
        ["ss", "-H", "-l", "-n", "-t", "-u", "-p"], capture_output=True, text=True, check=True
    ).stdout
    mine = [line.split() for line in listing.splitlines() if f"pid={janus_process.pid}," in line]
    assert len(mine) >= 2  # the Janus API and the admin API
    for fields in mine:
        assert fields[4].startswith("127.0.0.1:"), fields


def _in_janus(janus_process, media) -> dict:
    peer = JanusPeer(janus_process.url)
    try:
        return peer.join(room=media["room"], feed_id=media["feed_id"], token=media["token"])
    finally:
        peer.close()


def test_leaving_withdraws_the_janus_token_until_rejoining(meeting, sfu, janus_process):
    for login in ("organizer", "alice"):
        _join(meeting, login)
    media = _join(meeting, "bob")["media"]["janus"]
    peer = JanusPeer(janus_process.url)
    try:
        joined = peer.join(room=media["room"], feed_id=media["feed_id"], token=media["token"])
        assert joined["videoroom"] == "joined"
        assert meeting.c["bob"].post(url(meeting.id, "/leave")).status_code == 204
        assert peer.next_plugin_event() == {
            "videoroom": "event", "room": media["room"], "leaving": "ok", "reason": "kicked"
        }  # fmt: skip
    finally:
        peer.close()
    assert sfu.participants(room=media["room"]) == []
    assert _in_janus(janus_process, media).get("error_code") == UNAUTHORIZED
    again = _join(meeting, "bob")["media"]["janus"]
    assert _in_janus(janus_process, again)["videoroom"] == "joined"


def test_a_guest_whose_pass_expired_loses_the_janus_room(meeting, sfu, janus_process):
    import datetime as dt

    from conferencing.services import guests_expire
    from portal import clock
    from tests.conferencing.scene_conferences import guest_client
    from tests.helpers.api import api_client

    for login in ("organizer", "alice", "bob"):
        _join(meeting, login)
    link = (
        meeting.c["organizer"]
        .post(url(meeting.id, "/guest-links"), {"expires_in_minutes": 10}, format="json")
        .json()["link"]
    )
    joined = api_client().post(
        "/api/v1/conferences/guest-join", {"link": link, "display_name": "Гость"}, format="json"
    ).json()  # fmt: skip
    meeting.c["organizer"].post(
        url(meeting.id, f"/participants/{joined['participant']['id']}/admit")
    )
    media = guest_client(joined["token"]).get(url(meeting.id, "/me")).json()["media"]["janus"]
    assert guests_expire() == 0
    with clock.frozen(clock.now() + dt.timedelta(hours=2)):
        with capture_events() as captured:
            assert guests_expire() == 1
        assert guests_expire() == 0
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["state"] == "left"
    assert users == {str(u.pk) for u in (meeting.organizer, meeting.alice, meeting.bob)}
    assert _in_janus(janus_process, media).get("error_code") == UNAUTHORIZED


def test_a_room_janus_lost_is_made_again_on_the_next_join(meeting, sfu, janus_process, caplog):
    for login in ("organizer", "alice"):
        _join(meeting, login)
    _join(meeting, "bob")
    conference = Conference.objects.get(pk=meeting.id)
    room = conference.janus_room
    sfu.room_destroy(room=room, secret=conference.janus_secret)  # as a Janus restart would
    # Leaving a room Janus no longer has is not an error: nothing admits anyone there.
    assert meeting.c["alice"].post(url(meeting.id, "/leave")).status_code == 204
    alice = _join(meeting, "alice")["media"]["janus"]
    assert alice["room"] == room and sfu.room_exists(room=room)
    assert "is gone: recreated" in caplog.text
    # The room holds the tokens of everyone joined, not only the newcomer's.
    bob = meeting.c["bob"].get(url(meeting.id, "/me")).json()["media"]["janus"]
    for media in (alice, bob):
        assert _in_janus(janus_process, media)["videoroom"] == "joined"


def test_janus_refusals_reach_clients_without_janus_words(meeting, sfu, settings, caplog):
    for login in ("organizer", "alice"):
        _join(meeting, login)
    settings.JANUS_ADMIN_KEY = "not-the-admin-key"  # Janus refuses to create the room
    response = meeting.c["bob"].post(url(meeting.id, "/join"))
    assert_api_error(response, 503, "media_server_unavailable")
    assert response.json()["error"]["details"] == {}
    assert "Janus refused or failed" in caplog.text
    assert not Conference.objects.get(pk=meeting.id).participants.filter(user=meeting.bob).exists()


def test_an_end_that_rolls_back_keeps_the_room(meeting, sfu, django_capture_on_commit_callbacks):
    from django.db import transaction

    from conferencing import services

    for login in ("organizer", "alice", "bob"):
        _join(meeting, login)
    room = Conference.objects.get(pk=meeting.id).janus_room
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.conference_end(actor=meeting.organizer, conference_id=meeting.id)
        raise RuntimeError("a failure after the end, before commit")
    assert callbacks == []
    assert Conference.objects.get(pk=meeting.id).ended_at is None
    assert sfu.room_exists(room=room)
    # The meeting goes on: Alice leaves and comes back into the same room.
    assert meeting.c["alice"].post(url(meeting.id, "/leave")).status_code == 204
    assert _join(meeting, "alice")["media"]["janus"]["room"] == room


def test_a_join_that_rolls_back_after_the_room_was_made_destroys_it(meeting, sfu, monkeypatch):
    from conferencing.services import conferences_participants

    for login in ("organizer", "alice"):
        _join(meeting, login)
    made: list[int] = []
    real_create = Janus.room_create

    def create(self, **kwargs):
        made.append(kwargs["room"])
        real_create(self, **kwargs)

    monkeypatch.setattr(Janus, "room_create", create)

    def failing_send(event):
        raise RuntimeError("the event could not be built")

    monkeypatch.setattr(conferences_participants, "send", failing_send)
    with pytest.raises(RuntimeError):
        meeting.c["bob"].post(url(meeting.id, "/join"))
    [room] = made
    assert not sfu.room_exists(room=room)
    conference = Conference.objects.get(pk=meeting.id)
    assert conference.topology == "mesh" and conference.janus_room is None
