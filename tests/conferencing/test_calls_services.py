"""Call states through the services: who gets which event, busy, first accept wins, the
system messages, and the server ending calls nobody answered or whose party vanished."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.utils import timezone

from conferencing import services
from conferencing.exceptions import (
    AlreadyInCall,
    AnsweredElsewhere,
    CallInvalid,
    CallNotActive,
    CallNotFound,
    CallSelf,
    NotCallParty,
)
from conferencing.models import Call
from messaging.exceptions import ConversationNotFound
from messaging.models import Conversation, Message
from messaging.services import conversation_create, direct_conversation
from portal import clock
from portal.accounts.exceptions import UserNotFound
from portal.realtime.models import Event
from tests.conferencing.conftest import call_scene
from tests.factories.accounts import UserFactory
from tests.helpers.events import capture_events


def _start(scene, kind="video"):
    return services.call_start(
        actor=scene.alice, session=scene.session["alice"], kind=kind, callee_id=scene.bob.pk
    )


def _call_messages(call):
    return list(
        Message.objects.filter(conversation_id=call.conversation_id, kind="system")
        .filter(system__event="call")
        .values_list("system", flat=True)
    )


def test_a_call_rings_every_device_of_the_callee_and_lives_in_their_direct_chat(scene):
    with capture_events() as captured:
        call = _start(scene)
    assert call.state == "ringing" and call.kind == "video"
    assert call.caller_session == scene.session["alice"]
    direct = Conversation.objects.get(pk=call.conversation_id)
    assert direct.kind == "direct" and direct == direct_conversation(
        actor=scene.bob, other=scene.alice
    )
    assert [(e["type"], e["op"], users) for e, users in captured.events] == [
        ("call", "incoming", {str(scene.bob.pk)}),
        ("call", "update", {str(scene.alice.pk)}),
    ]
    assert captured.events[0][0]["call"]["state"] == "ringing"


def test_a_call_in_a_direct_conversation_goes_to_its_other_member(scene):
    direct = direct_conversation(actor=scene.alice, other=scene.bob)
    call = services.call_start(
        actor=scene.alice, session=scene.session["alice"], kind="audio", conversation_id=direct.pk
    )
    assert call.callee == scene.bob and call.conversation_id == direct.pk


def test_who_may_be_called(scene):
    group = conversation_create(
        actor=scene.alice, kind="group", title="Отдел", member_ids=[scene.bob.pk]
    )
    carols = direct_conversation(actor=scene.carol, other=scene.bob)
    gone = UserFactory.create(login="gone")
    gone.is_active = False
    gone.save()
    bot = UserFactory.create(login="robot", is_bot=True)
    session = scene.session["alice"]
    cases = [
        ({"callee_id": scene.alice.pk}, CallSelf),
        ({"callee_id": gone.pk}, UserNotFound),
        ({"callee_id": bot.pk}, UserNotFound),
        ({"callee_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}, UserNotFound),
        ({"callee_id": "not-an-id"}, UserNotFound),
        ({"conversation_id": group.pk}, CallInvalid),
        ({"conversation_id": carols.pk}, ConversationNotFound),  # not hers: as if none
        ({"callee_id": scene.bob.pk, "conversation_id": carols.pk}, CallInvalid),
        ({}, CallInvalid),
    ]
    for target, error in cases:
        with pytest.raises(error):
            services.call_start(actor=scene.alice, session=session, kind="audio", **target)
    with pytest.raises(CallInvalid):
        services.call_start(
            actor=scene.alice, session=session, kind="hologram", callee_id=scene.bob.pk
        )
    assert not Call.objects.exists()


def test_a_callee_in_another_call_makes_the_call_busy_and_a_caller_in_one_is_refused(scene):
    first = services.call_start(
        actor=scene.carol, session=scene.session["carol"], kind="audio", callee_id=scene.bob.pk
    )
    with capture_events() as captured:
        busy = _start(scene)
    assert busy.state == "busy" and busy.ended_at is not None
    # The caller's devices hear of it; Bob, in his call with Carol, is not disturbed.
    calls = [(e["op"], users) for e, users in captured.of_type("call")]
    assert calls == [("update", {str(scene.alice.pk)})]
    assert _call_messages(busy) == [
        {"event": "call", "call_id": str(busy.pk), "call_kind": "video", "call_state": "busy",
         "duration_seconds": None}
    ]  # fmt: skip
    with pytest.raises(AlreadyInCall):
        services.call_start(
            actor=scene.bob,
            session=scene.session["bob_phone"],
            kind="audio",
            callee_id=scene.alice.pk,
        )
    assert Call.objects.filter(state__in=Call.ACTIVE_STATES).get() == first


def test_the_first_device_to_accept_wins_and_the_others_stop_ringing(scene):
    call = _start(scene)
    with capture_events() as captured:
        services.call_accept(actor=scene.bob, session=scene.session["bob_phone"], call_id=call.pk)
    call.refresh_from_db()
    assert call.state == "accepted" and call.accepted_session == scene.session["bob_phone"]
    update = [(e, users) for e, users in captured.events if e["op"] == "update"]
    assert update[0][1] == {str(scene.alice.pk), str(scene.bob.pk)}
    assert update[0][0]["call"]["accepted_device_id"] == str(scene.session["bob_phone"].device_id)
    # call.answered_elsewhere: exactly for Bob's laptop, not for the phone that answered.
    elsewhere = Event.objects.filter(id__gt=captured.start_id, payload__op="answered_elsewhere")
    assert [(str(e.user_id), str(e.device_id)) for e in elsewhere] == [
        (str(scene.bob.pk), str(scene.session["bob_laptop"].device_id))
    ]
    # Again from the phone: nothing changes; from the laptop: answered elsewhere.
    again = services.call_accept(
        actor=scene.bob, session=scene.session["bob_phone"], call_id=call.pk
    )
    assert again.answered_at == call.answered_at
    with pytest.raises(AnsweredElsewhere):
        services.call_accept(actor=scene.bob, session=scene.session["bob_laptop"], call_id=call.pk)


def test_only_the_callee_accepts_and_only_a_party_sees_the_call(scene):
    call = _start(scene)
    with pytest.raises(NotCallParty):
        services.call_accept(actor=scene.alice, session=scene.session["alice"], call_id=call.pk)
    for action in (
        lambda: services.call_accept(
            actor=scene.carol, session=scene.session["carol"], call_id=call.pk
        ),
        lambda: services.call_decline(actor=scene.carol, call_id=call.pk),
        lambda: services.call_cancel(actor=scene.carol, call_id=call.pk),
        lambda: services.call_hangup(actor=scene.carol, call_id=call.pk),
        lambda: services.call_accept(actor=scene.bob, session=scene.session["bob_phone"],
                                     call_id="1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
    ):  # fmt: skip
        with pytest.raises(CallNotFound):
            action()
    call.refresh_from_db()
    assert call.state == "ringing"


@pytest.mark.django_db(transaction=True)
def test_two_devices_accepting_at_once_exactly_one_wins():
    scene = call_scene()
    call = _start(scene)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def accept(device: str) -> None:
        try:
            barrier.wait(timeout=10)
            results[device] = services.call_accept(
                actor=scene.bob, session=scene.session[device], call_id=call.pk
            ).state
        except Exception as error:  # the loser's error is the result
            results[device] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(d,)) for d in ("bob_phone", "bob_laptop")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    won = [d for d, r in results.items() if r == "accepted"]
    lost = [r for r in results.values() if isinstance(r, AnsweredElsewhere)]
    assert len(won) == 1 and len(lost) == 1, results
    call.refresh_from_db()
    assert call.accepted_session == scene.session[won[0]]


def test_decline_cancel_and_hangup_end_the_call_with_a_system_message(scene):
    declined = _start(scene)
    services.call_decline(actor=scene.bob, call_id=declined.pk)
    cancelled = _start(scene)
    with pytest.raises(NotCallParty):
        services.call_cancel(actor=scene.bob, call_id=cancelled.pk)
    services.call_cancel(actor=scene.alice, call_id=cancelled.pk)
    now = timezone.now()
    with clock.frozen(now) as frozen:
        answered = _start(scene)
        services.call_accept(
            actor=scene.bob, session=scene.session["bob_laptop"], call_id=answered.pk
        )
        frozen.advance(12 * 60 + 34)
        with capture_events() as captured:
            services.call_hangup(actor=scene.bob, call_id=answered.pk)
    answered.refresh_from_db()
    assert answered.state == "ended" and answered.ended_by == scene.bob
    assert answered.duration_seconds() == 754
    ops = [(e["type"], e["op"], users) for e, users in captured.events]
    both = {str(scene.alice.pk), str(scene.bob.pk)}
    assert ops == [("call", "update", both), ("message", "add", both)]
    states = [(m["call_state"], m["duration_seconds"]) for m in _call_messages(answered)]
    assert states == [("declined", None), ("cancelled", None), ("ended", 754)]
    with pytest.raises(CallNotActive):
        services.call_hangup(actor=scene.alice, call_id=answered.pk)
    with pytest.raises(CallNotActive):
        services.call_accept(
            actor=scene.bob, session=scene.session["bob_phone"], call_id=declined.pk
        )


def test_hangup_while_ringing_cancels_for_the_caller_and_declines_for_the_callee(scene):
    call = _start(scene)
    assert services.call_hangup(actor=scene.alice, call_id=call.pk).state == "cancelled"
    call = _start(scene)
    assert services.call_hangup(actor=scene.bob, call_id=call.pk).state == "declined"


def test_an_unanswered_call_is_missed_after_the_ring_timeout_even_without_the_caller(
    scene, settings
):
    settings.CALL_RING_TIMEOUT = 45
    now = timezone.now()
    with clock.frozen(now) as frozen:
        call = _start(scene)
        frozen.advance(44)
        assert services.call_expire(call_id=call.pk) is None
        assert services.calls_expire() == 0
        frozen.advance(1)
        with capture_events() as captured:
            ended = services.call_expire(call_id=call.pk)
        assert ended is not None and ended.state == "missed"
        assert services.call_expire(call_id=call.pk) is None  # a second task: nothing
    call.refresh_from_db()
    assert call.state == "missed" and call.ended_by is None
    assert [e["call"]["state"] for e, _ in captured.of_type("call")] == ["missed"]
    assert _call_messages(call)[0]["call_state"] == "missed"


def test_the_sweep_ends_every_call_that_is_due(scene, settings):
    settings.CALL_RING_TIMEOUT = 45
    dave = UserFactory.create(login="dave")
    now = timezone.now()
    with clock.frozen(now) as frozen:
        old = _start(scene)
        frozen.advance(30)
        young = services.call_start(
            actor=scene.carol, session=scene.session["carol"], kind="audio", callee_id=dave.pk
        )
        frozen.advance(20)
        assert services.calls_expire() == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.state, young.state) == ("missed", "ringing")


def test_a_party_whose_sockets_all_closed_ends_the_call_after_the_grace(scene, settings):
    settings.CALL_DISCONNECT_GRACE = 40
    now = timezone.now()
    with clock.frozen(now) as frozen:
        call = _start(scene)
        services.call_accept(actor=scene.bob, session=scene.session["bob_phone"], call_id=call.pk)
        # Both devices' sockets are there (their poll renews them).
        both = [scene.session["alice"].pk, scene.session["bob_phone"].pk]
        assert services.call_sessions_connected(session_ids=both) == 2
        # The caller's socket closes, and another socket of the same session renews it.
        assert services.call_sessions_disconnected(session_ids=[scene.session["alice"].pk]) == 1
        frozen.advance(30)
        assert services.call_sessions_connected(session_ids=[scene.session["alice"].pk]) == 1
        frozen.advance(30)
        assert services.calls_expire() == 0
        # The callee's answering phone goes; his laptop's sockets say nothing for it.
        services.call_sessions_disconnected(session_ids=[scene.session["bob_phone"].pk])
        services.call_sessions_connected(session_ids=[scene.session["bob_laptop"].pk])
        frozen.advance(39)
        assert services.call_expire(call_id=call.pk) is None
        frozen.advance(1)
        assert services.calls_expire() == 1
    call.refresh_from_db()
    assert call.state == "failed"
    assert call.callee_lost_at is None and call.caller_lost_at is None


def test_a_caller_who_vanishes_while_it_rings_leaves_a_missed_call(scene, settings):
    settings.CALL_DISCONNECT_GRACE = 40
    settings.CALL_RING_TIMEOUT = 45
    now = timezone.now()
    with clock.frozen(now) as frozen:
        call = _start(scene)
        frozen.advance(2)
        services.call_sessions_disconnected(session_ids=[scene.session["alice"].pk])
        frozen.advance(40)
        ended = services.call_expire(call_id=call.pk)
        assert ended is not None and ended.state == "missed"


def test_a_call_start_queues_its_expiry_on_the_broker(scene, django_capture_on_commit_callbacks):
    """The task is really queued (Redis, the suite's broker) with the ring timeout as its
    countdown; no worker runs here, so it stays queued."""
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    with django_capture_on_commit_callbacks(execute=True):
        call = _start(scene)
    queued = [json.loads(raw) for raw in broker.lrange("celery", 0, -1)]
    broker.delete("celery")
    mine = [
        m["headers"] for m in queued if m["headers"]["task"] == "conferencing.tasks.expire_call"
    ]
    assert len(mine) == 1 and str(call.pk) in mine[0]["argsrepr"]
    eta = dt.datetime.fromisoformat(mine[0]["eta"])
    assert dt.timedelta(seconds=40) < eta - call.created_at <= dt.timedelta(seconds=50)


def test_an_overdue_call_nobody_expired_does_not_make_its_parties_busy(scene, settings):
    """No worker ran the expiry (embedded mode, a worker down): the next call ends it."""
    settings.CALL_RING_TIMEOUT = 45
    now = timezone.now()
    with clock.frozen(now) as frozen:
        stale = services.call_start(
            actor=scene.carol, session=scene.session["carol"], kind="audio", callee_id=scene.bob.pk
        )
        frozen.advance(30)
        assert _start(scene).state == "busy"  # still ringing for Bob: busy
        frozen.advance(15)
        fresh = _start(scene)
    stale.refresh_from_db()
    assert (stale.state, fresh.state) == ("missed", "ringing")


def test_an_answer_from_a_device_that_never_opens_a_socket_fails_after_the_grace(scene, settings):
    """The callee answers over REST (woken by a notification) and the device dies before it
    opens /ws/: no socket ever closes, yet the call ends, and neither party stays busy."""
    settings.CALL_DISCONNECT_GRACE = 40
    with clock.frozen(timezone.now()) as frozen:
        call = _start(scene)
        services.call_accept(actor=scene.bob, session=scene.session["bob_phone"], call_id=call.pk)
        # The caller's socket is alive and renewed; the phone's never comes.
        frozen.advance(20)
        assert services.call_sessions_connected(session_ids=[scene.session["alice"].pk]) == 1
        frozen.advance(19)
        assert services.calls_expire() == 0
        frozen.advance(1)
        assert services.calls_expire() == 1
        call.refresh_from_db()
        assert call.state == "failed"
        again = _start(scene)
    assert again.state == "ringing"
