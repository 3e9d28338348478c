"""One-to-one calls: starting, answering, declining, ending, and ending those nobody
answered or whose party vanished (docs/api.md, "Calls")."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import signature
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from conferencing import events, selectors
from conferencing.exceptions import (
    AlreadyInCall,
    AnsweredElsewhere,
    CallInvalid,
    CallNotActive,
    CallSelf,
    NotCallParty,
)
from conferencing.models import Call
from messaging.models import Conversation, Membership
from messaging.selectors import access_conversation
from messaging.services import direct_conversation
from messaging.services.common import system_message
from portal import clock
from portal.accounts.exceptions import UserNotFound
from portal.accounts.models import AuthSession, User
from portal.accounts.selectors import access_user
from portal.db import require_transaction
from portal.realtime import publish

logger = logging.getLogger(__name__)

# The states a call ends in, and the system message each leaves.
FINAL_STATES = frozenset(Call.State) - set(Call.ACTIVE_STATES)


def call_start(
    *,
    actor: User,
    session: AuthSession,
    kind: str,
    callee_id: Any = None,
    conversation_id: Any = None,
) -> Call:
    """Call a user (``callee_id``) or the other member of a direct conversation
    (``conversation_id``), from the device of ``session``; exactly one of the two.

    Who may call whom: whoever may start a direct conversation with them (any active
    person of the directory; not oneself, not a bot), and the call lives in that direct
    conversation (created on first use). The actor must not be in another call
    (``AlreadyInCall``). A callee who is gets a ``busy`` call, ended at once; otherwise the
    call rings: ``call.incoming`` to every device of the callee, ``call.update`` to the
    caller's, and it is missed after ``CALL_RING_TIMEOUT`` unless answered.
    """
    if kind not in Call.Kind.values:
        raise CallInvalid(kind=[f"One of {', '.join(Call.Kind.values)}."])
    if (callee_id is None) == (conversation_id is None):
        raise CallInvalid(callee_id=["Give either a user or a direct conversation."])
    if conversation_id is not None:
        conversation, _ = access_conversation(actor, conversation_id)
        if conversation.kind != Conversation.Kind.DIRECT:
            raise CallInvalid(conversation_id=["Only direct conversations have calls."])
        other_id = (
            Membership.objects.filter(conversation=conversation, left_at__isnull=True)
            .exclude(user=actor).values_list("user_id", flat=True).first()
        )  # fmt: skip
        if other_id is None:
            raise CallInvalid(conversation_id=["Nobody else is in this conversation."])
        callee = access_user(actor, other_id)
    else:
        callee = access_user(actor, callee_id)
    if callee.pk == actor.pk:
        raise CallSelf()
    if callee.is_bot:
        raise UserNotFound()  # bots take no calls: as if there were nobody to call
    conversation = direct_conversation(actor=actor, other=callee)
    now = clock.now()
    with transaction.atomic():
        # Both users' rows, in a fixed order: two calls that involve one user are decided
        # one after the other, so nobody ends up in two active calls.
        list(User.objects.select_for_update().filter(pk__in=[actor.pk, callee.pk]).order_by("pk"))
        _end_due(selectors.active_calls_of_users([actor.pk, callee.pk]), now)
        busy = selectors.in_active_call([actor.pk, callee.pk])
        if str(actor.pk) in busy:
            raise AlreadyInCall()
        callee_busy = str(callee.pk) in busy
        call = Call.objects.create(
            kind=kind, caller=actor, callee=callee, conversation=conversation,
            caller_session=session, created_at=now,
            state=Call.State.BUSY if callee_busy else Call.State.RINGING,
            ended_at=now if callee_busy else None,
        )  # fmt: skip
        if callee_busy:
            _announce_end(call)
        else:
            _publish(events.incoming_event(call))
            _publish(events.update_event(call))
            transaction.on_commit(lambda: schedule_expiry(call.pk, settings.CALL_RING_TIMEOUT))
    return call


def call_accept(*, actor: User, session: AuthSession, call_id: Any) -> Call:
    """The callee answers on the device of ``session``. The first device to accept wins
    (the call row is locked, so of two accepts at once exactly one does): its answer is
    ``call.update`` (accepted) to both parties; the callee's other devices get
    ``call.answered_elsewhere`` and stop ringing; a later accept from another device is
    ``AnsweredElsewhere``. Accepting again from the winning device changes nothing."""
    with transaction.atomic():
        call = selectors.access_call(actor, call_id, for_update=True)
        if call.callee_id != actor.pk:
            raise NotCallParty(role="callee")
        if call.state == Call.State.ACCEPTED:
            if call.accepted_session_id == session.pk:
                return call
            raise AnsweredElsewhere()
        if call.state != Call.State.RINGING:
            raise CallNotActive(state=call.state)
        call.state = Call.State.ACCEPTED
        call.answered_at = clock.now()
        call.accepted_session = session
        # Both devices are presumed lost until a socket of theirs opens or is renewed
        # (services/presence.py: within a poll interval, shorter than the grace): a device
        # that answered (or called) over REST and died, or a close hook that failed, must
        # not hold both parties in the call for ever.
        call.callee_lost_at = call.answered_at
        call.caller_lost_at = call.caller_lost_at or call.answered_at
        call.save(update_fields=[
            "state", "answered_at", "accepted_session", "callee_lost_at", "caller_lost_at"
        ])  # fmt: skip
        transaction.on_commit(
            lambda: schedule_expiry(call.pk, settings.CALL_DISCONNECT_GRACE), robust=True
        )
        _publish(events.update_event(call))
        event, recipients = events.answered_elsewhere_event(call)
        for device_id in _other_devices(call.callee_id, session.device_id):
            publish(event, user_ids=recipients, device_id=device_id)
    return call


def call_decline(*, actor: User, call_id: Any) -> Call:
    """The callee refuses a ringing call (from any of their devices): ``declined``."""
    with transaction.atomic():
        call = selectors.access_call(actor, call_id, for_update=True)
        if call.callee_id != actor.pk:
            raise NotCallParty(role="callee")
        if call.state != Call.State.RINGING:
            raise CallNotActive(state=call.state)
        return _finish(call, Call.State.DECLINED, by=actor)


def call_cancel(*, actor: User, call_id: Any) -> Call:
    """The caller gives up before an answer: ``cancelled`` (a missed call for the callee)."""
    with transaction.atomic():
        call = selectors.access_call(actor, call_id, for_update=True)
        if call.caller_id != actor.pk:
            raise NotCallParty(role="caller")
        if call.state != Call.State.RINGING:
            raise CallNotActive(state=call.state)
        return _finish(call, Call.State.CANCELLED, by=actor)


def call_hangup(*, actor: User, call_id: Any) -> Call:
    """Either party ends the call, from any of their devices: an answered call ``ended``;
    a ringing one is cancelled by the caller, declined by the callee."""
    with transaction.atomic():
        call = selectors.access_call(actor, call_id, for_update=True)
        if call.state == Call.State.ACCEPTED:
            return _finish(call, Call.State.ENDED, by=actor)
        if call.state == Call.State.RINGING:
            state = Call.State.CANCELLED if call.caller_id == actor.pk else Call.State.DECLINED
            return _finish(call, state, by=actor)
        raise CallNotActive(state=call.state)


def call_expire(*, call_id: Any, now: dt.datetime | None = None) -> Call | None:
    """End one call if it is due (no actor: the server decides): ringing for
    ``CALL_RING_TIMEOUT`` → ``missed``; a party without sockets for
    ``CALL_DISCONNECT_GRACE`` → ``missed`` while ringing, ``failed`` once answered. Returns
    the call if it ended now. Safe to run any number of times, early or late."""
    now = now or clock.now()
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(pk=call_id).first()
        if call is None or not call.active:
            return None
        state = _due_state(call, now)
        if state is None:
            return None
        return _finish(call, state, by=None, at=now)


def calls_expire(*, now: dt.datetime | None = None) -> int:
    """End every call that is due (celery beat, besides the task each call schedules: a
    lost or early task, or a worker that was down, delays the end by one sweep at most).
    Returns how many ended."""
    now = now or clock.now()
    ring_deadline = now - dt.timedelta(seconds=settings.CALL_RING_TIMEOUT)
    gone_deadline = now - dt.timedelta(seconds=settings.CALL_DISCONNECT_GRACE)
    due = Call.objects.filter(
        Q(state=Call.State.RINGING, created_at__lte=ring_deadline)
        | Q(caller_lost_at__lte=gone_deadline)
        | Q(callee_lost_at__lte=gone_deadline),
        state__in=Call.ACTIVE_STATES,
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(due[:1000]) if call_expire(call_id=pk, now=now) is not None)


# --- shared ------------------------------------------------------------------------------


def _due_state(call: Call, now: dt.datetime) -> str | None:
    grace = dt.timedelta(seconds=settings.CALL_DISCONNECT_GRACE)
    gone = any(
        t is not None and now - t >= grace for t in (call.caller_lost_at, call.callee_lost_at)
    )
    if call.state == Call.State.RINGING:
        timed_out = now - call.created_at >= dt.timedelta(seconds=settings.CALL_RING_TIMEOUT)
        return Call.State.MISSED if timed_out or gone else None
    return Call.State.FAILED if gone else None


def _end_due(calls: Any, now: dt.datetime) -> None:
    """End those of these (locked) calls that are overdue: a call left ringing because no
    worker ran its expiry (embedded mode has none, a worker may be down) must not make
    anyone look busy."""
    for call in calls:
        state = _due_state(call, now)
        if state is not None:
            _finish(call, state, by=None, at=now)


def _finish(call: Call, state: str, *, by: User | None, at: dt.datetime | None = None) -> Call:
    """End a locked active call in ``state`` and tell both parties."""
    require_transaction("_finish")
    call.state = state
    call.ended_at = at or clock.now()
    call.ended_by = by
    call.caller_lost_at = call.callee_lost_at = None
    call.save(update_fields=["state", "ended_at", "ended_by", "caller_lost_at", "callee_lost_at"])
    _announce_end(call)
    return call


def _announce_end(call: Call) -> None:
    """``call.update`` to the parties and the system message in the call's conversation."""
    _publish(events.update_event(call))
    if call.conversation_id is not None:
        conversation = Conversation.objects.select_for_update().get(pk=call.conversation_id)
        system_message(conversation, call.caller, events.system_record(call))


def _publish(built: tuple[dict[str, Any], list[Any]]) -> None:
    event, recipients = built
    publish(event, user_ids=recipients)


def _other_devices(user_id: Any, accepted_device_id: Any) -> list[Any]:
    """The user's devices with a live sign-in, but the one that accepted."""
    return list(
        AuthSession.objects.filter(user_id=user_id, revoked_at__isnull=True)
        .exclude(device_id=accepted_device_id)
        .values_list("device_id", flat=True)
        .distinct()
    )


def schedule_expiry(call_id: Any, countdown: int) -> None:
    """Queue the end of the call if nobody acts before (by name: tasks call services, not
    back). Without the broker the sweep still ends it."""
    try:
        signature("conferencing.tasks.expire_call", args=[str(call_id)]).apply_async(
            countdown=countdown, retry=False
        )
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.warning("could not queue the expiry of call %s; the sweep ends it", call_id)
