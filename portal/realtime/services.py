"""Publishing events to per-user streams, waking the sockets that carry them, and pruning
the log."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from portal import clock
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.realtime import events
from portal.realtime.models import Event, EventStream

logger = logging.getLogger(__name__)


def user_group(user_id: Any) -> str:
    """The channel-layer group of every socket of one user (the doorbell of their stream)."""
    return f"user.{user_id}"


def auth_session_group(session_id: Any) -> str:
    """The group of every socket opened with one sign-in session (closed on revocation)."""
    return f"authsession.{session_id}"


def publish(event: dict[str, Any], *, user_ids: Iterable[Any]) -> list[Event]:
    """Append ``event`` (a dict with ``type`` and ``op``) to each user's stream.

    Must run inside the service's transaction: the rows commit with the change they
    describe, and the sockets are woken only after commit, so no client sees an event for
    data that was rolled back. Each user's stream row stays locked until commit, so one
    user's events commit in the order of their ids; users are locked in a fixed order to
    avoid deadlocks.
    """
    if "type" not in event:
        raise ValueError("an event needs a type")
    recipients = sorted({str(u) for u in user_ids})
    if not recipients:
        return []
    now = clock.now()
    with transaction.atomic():
        existing = {
            str(uid)
            for uid in EventStream.objects.filter(user_id__in=recipients).values_list(
                "user_id", flat=True
            )
        }
        EventStream.objects.bulk_create(
            [EventStream(user_id=uid) for uid in recipients if uid not in existing],
            ignore_conflicts=True,
        )
        streams = list(
            EventStream.objects.select_for_update()
            .filter(user_id__in=recipients)
            .order_by("user_id")
        )
        # Ids are taken only now, under the locks: a later id of a user never commits
        # before an earlier one.
        created = Event.objects.bulk_create(
            [
                Event(user_id=stream.user_id, type=event["type"], payload=event, created_at=now)
                for stream in streams
            ]
        )
        for stream, row in zip(streams, created, strict=True):
            stream.last_event_id = row.id
        EventStream.objects.bulk_update(streams, ["last_event_id"])
        transaction.on_commit(lambda: ring(recipients))
    return created


def ring(user_ids: Iterable[str]) -> None:
    """Wake every socket of these users; they read what is new from the log themselves."""
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(_ring_all)
    try:
        send(layer, list(user_ids))
    except Exception:
        # The log holds the events; a socket that misses the doorbell catches up on its
        # next wake-up, its idle poll or its reconnect. Losing Redis delays events, never
        # loses them.
        logger.exception("could not ring user streams")


async def _ring_all(layer: Any, user_ids: list[str]) -> None:
    for uid in user_ids:
        await layer.group_send(user_group(uid), {"type": "stream.wake"})


def send_ephemeral(frame: dict[str, Any], *, user_ids: Iterable[Any]) -> None:
    """Send a short-lived frame (typing, presence) to every socket of these users now.

    Not written to the event log: a client that is not connected never gets it, which is
    right for things that are stale a few seconds later. Runs after commit when called
    inside a transaction.
    """
    recipients = sorted({str(u) for u in user_ids})
    if not recipients:
        return

    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        async def _all() -> None:
            for uid in recipients:
                await layer.group_send(user_group(uid), {"type": "ephemeral.frame", "frame": frame})

        try:
            async_to_sync(_all)()
        except Exception:
            logger.exception("could not send an ephemeral frame")

    transaction.on_commit(_send)


def close_auth_session_sockets(session_ids: Iterable[Any], *, code: int, reason: str) -> None:
    """After commit, close every socket opened with these sign-in sessions.

    The sockets also re-check their session on their idle poll, so a lost message delays
    the close by at most that interval.
    """
    ids = [str(s) for s in session_ids]
    if not ids:
        return

    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        async def _all() -> None:
            for sid in ids:
                await layer.group_send(
                    auth_session_group(sid),
                    {"type": "session.close", "code": code, "reason": reason},
                )

        try:
            async_to_sync(_all)()
        except Exception:
            logger.exception("could not close revoked sessions' sockets")

    transaction.on_commit(_send)


def event_log_prune(*, now: dt.datetime | None = None) -> int:
    """Delete events older than EVENT_LOG_RETENTION_SECONDS; return how many went.

    Each user's stream loses a prefix of its ids (up to its newest expired event, which
    can take along a slightly younger one published while it waited for the stream lock),
    and ``pruned_through`` moves to the end of that prefix in the same transaction, so a
    resuming socket either finds its events or learns it must resync.
    """
    cutoff = (now or clock.now()) - dt.timedelta(seconds=settings.EVENT_LOG_RETENTION_SECONDS)
    expired = list(
        Event.objects.filter(created_at__lt=cutoff)
        .values("user_id")
        .annotate(max_id=Max("id"))
        .order_by()
        .values_list("user_id", "max_id")
    )
    deleted = 0
    for user_id, max_id in expired:
        with transaction.atomic():
            deleted += Event.objects.filter(user_id=user_id, id__lte=max_id).delete()[0]
            EventStream.objects.filter(user_id=user_id, pruned_through__lt=max_id).update(
                pruned_through=max_id
            )
    return deleted


def test_event_send(*, actor: Any, user: Any, text: str, context: RequestContext) -> Event:
    """Publish a ``test.ping`` event to ``user``'s stream, to check that their sockets get
    events (``manage.py send_test_event``)."""
    with transaction.atomic():
        event, recipients = events.test_event(user_ids=[user.pk], text=text)
        (row,) = publish(event, user_ids=recipients)
        audit.record(
            "realtime.test_event_sent",
            actor=actor,
            context=context,
            target=user,
            details={"event": row.id},
        )
    return row
