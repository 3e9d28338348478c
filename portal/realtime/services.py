"""Publishing events to per-user streams, waking the sockets that carry them, and pruning
the log."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from portal import clock
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.cache import REDIS_DOWN
from portal.db import require_transaction
from portal.realtime import events
from portal.realtime.layers import group_send_many
from portal.realtime.models import Event, EventStream

logger = logging.getLogger(__name__)


def user_group(user_id: Any) -> str:
    """The channel-layer group of every socket of one user (the doorbell of their stream)."""
    return f"user.{user_id}"


def auth_session_group(session_id: Any) -> str:
    """The group of every socket opened with one sign-in session (closed on revocation)."""
    return f"authsession.{session_id}"


@dataclass(frozen=True)
class Doorbell:
    """One appended event as its user's sockets hear of it: the event ``id`` and ``after``,
    the id before it in the same stream (a socket whose cursor is at ``after`` has missed
    nothing and can relay the event as it comes; any other reads the log)."""

    user_id: str
    id: int
    after: int


def event_text(event: dict[str, Any]) -> str:
    """The JSON of an event as it is stored and sent (UTF-8, compact)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def publish(event: dict[str, Any], *, user_ids: Iterable[Any]) -> list[Event]:
    """Append ``event`` (a dict with ``type`` and ``op``) to each user's stream.

    Must run inside the service's transaction: the rows commit with the change they
    describe, and the sockets are woken only after commit, so no client sees an event for
    data that was rolled back. Each user's stream row stays locked until commit, so one
    user's events commit in the order of their ids; users are locked in a fixed order to
    avoid deadlocks.
    """
    require_transaction("publish")
    if "type" not in event:
        raise ValueError("an event needs a type")
    recipients = sorted({str(u) for u in user_ids})
    if not recipients:
        return []
    now = clock.now()
    text = event_text(event)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            appended = _append_postgresql(recipients, event["type"], text, now)
        else:
            appended = _append_portable(recipients, event, now)
        transaction.on_commit(lambda: ring(appended, event_type=event["type"], text=text))
    return [
        Event(
            id=bell.id,
            user_id=uuid.UUID(bell.user_id),
            type=event["type"],
            payload=event,
            created_at=now,
        )
        for bell in appended
    ]


# One statement locks the streams in user order, takes each new id under its lock, stores
# the events and moves the heads; it returns each user's new id and the previous head.
_APPEND_SQL = """
WITH streams AS (
    SELECT user_id, last_event_id FROM realtime_eventstream
    WHERE user_id = ANY(%(users)s::uuid[]) ORDER BY user_id FOR UPDATE
), appended AS (
    INSERT INTO realtime_event (user_id, type, payload, created_at)
    SELECT user_id, %(type)s, %(payload)s::jsonb, %(now)s FROM streams ORDER BY user_id
    RETURNING id, user_id
), moved AS (
    UPDATE realtime_eventstream AS stream SET last_event_id = appended.id
    FROM appended WHERE stream.user_id = appended.user_id
)
SELECT appended.user_id, appended.id, streams.last_event_id
FROM appended JOIN streams USING (user_id) ORDER BY appended.user_id
"""

_ENSURE_STREAMS_SQL = """
INSERT INTO realtime_eventstream (user_id, last_event_id, pruned_through)
SELECT user_id, 0, 0 FROM unnest(%(users)s::uuid[]) AS user_id ON CONFLICT DO NOTHING
"""


def _append_postgresql(
    recipients: list[str], event_type: str, text: str, now: dt.datetime
) -> list[Doorbell]:
    """The hot path of every message: two statements whatever the number of recipients."""
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE_STREAMS_SQL, {"users": recipients})
        cursor.execute(
            _APPEND_SQL, {"users": recipients, "type": event_type, "payload": text, "now": now}
        )
        rows = cursor.fetchall()
    return [Doorbell(user_id=str(uid), id=new_id, after=after) for uid, new_id, after in rows]


def _append_portable(
    recipients: list[str], event: dict[str, Any], now: dt.datetime
) -> list[Doorbell]:
    """The same through the ORM, for SQLite (embedded mode: one process)."""
    EventStream.objects.bulk_create(
        [EventStream(user_id=uid) for uid in recipients], ignore_conflicts=True
    )
    streams = list(
        EventStream.objects.select_for_update().filter(user_id__in=recipients).order_by("user_id")
    )
    previous = [stream.last_event_id for stream in streams]
    created = Event.objects.bulk_create(
        [
            Event(user_id=stream.user_id, type=event["type"], payload=event, created_at=now)
            for stream in streams
        ]
    )
    for stream, row in zip(streams, created, strict=True):
        stream.last_event_id = row.id
    EventStream.objects.bulk_update(streams, ["last_event_id"])
    return [
        Doorbell(user_id=str(stream.user_id), id=stream.last_event_id, after=after)
        for stream, after in zip(streams, previous, strict=True)
    ]


def _send_to_groups(messages: list[tuple[str, dict[str, Any]]], *, failure: str) -> None:
    """Send each (group, message) on the channel layer, in one round trip where it can.
    Errors are logged, not raised: the caller's change has committed, and every socket
    also polls (so a lost message is late, never lost)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    try:
        async_to_sync(group_send_many)(layer, messages)
    except REDIS_DOWN as error:
        logger.warning("%s: Redis is unreachable (%s); the poll delivers instead", failure, error)
    except Exception:
        logger.exception(failure)


def ring(doorbells: list[Doorbell], *, event_type: str, text: str) -> None:
    """Wake every socket of these users with the event itself: a socket that has sent
    everything up to ``after`` relays it at once, any other reads the log."""
    _send_to_groups(
        [
            (
                user_group(bell.user_id),
                {
                    "type": "stream.wake",
                    "id": bell.id,
                    "after": bell.after,
                    "event_type": event_type,
                    "event": text,
                },
            )
            for bell in doorbells
        ],
        failure="could not ring user streams",
    )


def send_ephemeral(frame: dict[str, Any], *, user_ids: Iterable[Any]) -> None:
    """Send a short-lived frame (typing, presence) to every socket of these users now.

    Not written to the event log: a client that is not connected never gets it, which is
    right for things that are stale a few seconds later. Runs after commit when called
    inside a transaction.
    """
    messages = [
        (user_group(uid), {"type": "ephemeral.frame", "frame": frame})
        for uid in sorted({str(u) for u in user_ids})
    ]
    if messages:
        transaction.on_commit(
            lambda: _send_to_groups(messages, failure="could not send an ephemeral frame")
        )


def close_auth_session_sockets(session_ids: Iterable[Any], *, code: int, reason: str) -> None:
    """After commit, close every socket opened with these sign-in sessions.

    The process's poll also re-checks every socket's session, so a lost message delays
    the close by at most that interval.
    """
    messages = [
        (auth_session_group(str(sid)), {"type": "session.close", "code": code, "reason": reason})
        for sid in session_ids
    ]
    if messages:
        transaction.on_commit(
            lambda: _send_to_groups(messages, failure="could not close revoked sessions' sockets")
        )


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
