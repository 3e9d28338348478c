"""Joined users who vanish: a socket that closes stamps their rows (the gateway's hooks, on
a live daphne), one that opens or renews clears them, and after the grace the sweep sends
them away — their mesh place is freed and those still in it are told."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from conferencing import services
from conferencing.models import Participant
from conferencing.tasks_conferences import expire_lost_participants
from portal import clock
from tests.conferencing.live_calls import calls_server, rest
from tests.conferencing.scene_conferences import url
from tests.factories.conferencing import conference_for
from tests.helpers.events import capture_events
from tests.helpers.live import live_env, ws_connect

__all__ = ["calls_server", "live_env"]


@pytest.mark.django_db
def test_a_user_lost_longer_than_the_grace_leaves_and_frees_their_place(meeting, settings):
    for login in ("organizer", "alice"):
        assert meeting.c[login].post(url(meeting.id, "/join")).status_code == 200
    grace = settings.CONFERENCE_DISCONNECT_GRACE
    with clock.frozen(clock.now()) as frozen:
        assert services.conference_users_disconnected(user_ids=[meeting.alice.pk]) == 1
        frozen.advance(grace - 1)
        assert expire_lost_participants() == 0
        # A socket of hers renewed: the stamp goes, and the grace starts again later.
        assert services.conference_users_connected(user_ids=[meeting.alice.pk]) == 1
        assert services.conference_users_disconnected(user_ids=[meeting.alice.pk]) == 1
        frozen.advance(grace - 1)
        assert expire_lost_participants() == 0
        frozen.advance(2)
        with capture_events() as captured:
            assert expire_lost_participants() == 1
    [(event, users)] = captured.of_type("conference_participant")
    assert event["participant"]["state"] == "left"
    assert users == {str(meeting.organizer.pk), str(meeting.alice.pk)}
    me = meeting.c["organizer"].get(url(meeting.id, "/me")).json()
    assert me["media"]["peers"] == []
    # Coming back works, and clears nothing it should not: she is joined, unstamped.
    assert meeting.c["alice"].post(url(meeting.id, "/join")).status_code == 200
    assert Participant.objects.get(user=meeting.alice).lost_at is None


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
async def test_closing_the_last_socket_stamps_the_row_and_opening_one_clears_it(calls_server):
    from tests.conferencing.conftest import call_scene

    s = await sync_to_async(call_scene)()
    conference = await sync_to_async(conference_for)(s.alice, invitee_ids=[s.bob.pk])
    rest(calls_server, s.token["bob_phone"], "POST", f"conferences/{conference.pk}/join")

    async def lost_at():
        return await sync_to_async(
            lambda: Participant.objects.values_list("lost_at", flat=True).get(user=s.bob)
        )()

    async def until(wanted_stamped: bool):
        for _ in range(100):  # the server's hook runs after the socket closes: bounded wait
            if (await lost_at() is not None) == wanted_stamped:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"lost_at stamped={not wanted_stamped} still")

    async with ws_connect(calls_server, token=s.token["bob_phone"]) as phone:
        await phone.recv_type("ready")
        assert await lost_at() is None
    await until(True)
    async with ws_connect(calls_server, token=s.token["bob_laptop"]) as laptop:
        await laptop.recv_type("ready")
        await until(False)
    await until(True)
    later = clock.now() + dt.timedelta(hours=1)

    def sweep() -> int:
        with clock.frozen(later):
            return expire_lost_participants()

    assert await sync_to_async(sweep)() == 1
    assert (
        await sync_to_async(lambda: Participant.objects.get(user=s.bob).state)()
        == Participant.State.LEFT
    )
