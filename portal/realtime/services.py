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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef

from portal import clock
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.db import require_transaction
from portal.realtime import events, hub
from portal.realtime.models import (
    Event,
    EventStream,
    SharedPayload,
    Topic,
    TopicEvent,
    TopicFollow,
)

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


def publish(
    event: dict[str, Any], *, user_ids: Iterable[Any], device_id: Any = None
) -> list[Event]:
    """Append ``event`` (a dict with ``type`` and ``op``) to each user's stream; with
    ``device_id``, only that device's sockets send it (a remote command).

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
    device = None if device_id is None else str(device_id)
    # No savepoint (two round trips on every send): a failure here fails the service's
    # whole transaction, which is what must happen anyway.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            appended = _append_postgresql(recipients, event["type"], text, now, device)
        else:
            appended = _append_portable(recipients, event, now, device)
        # A bell for one device's event carries no text: those sockets read the log.
        shown = "" if device is not None else text
        transaction.on_commit(lambda: ring(appended, event_type=event["type"], text=shown))
    return [
        Event(
            id=bell.id,
            user_id=uuid.UUID(bell.user_id),
            type=event["type"],
            payload=event,
            device_id=device,
            created_at=now,
        )
        for bell in appended
    ]


# An event at least this long (its JSON, in characters) published to more than one user
# is stored once (SharedPayload) and its rows point at it: copies would cost
# recipients × size (1,000 members added at once: 40 MB and seconds of writing).
SHARED_PAYLOAD_MIN_CHARS = 2048

# One statement locks the streams in user order, takes each new id under its lock, stores
# the events and moves the heads; it returns each user's new id and the previous head.
_APPEND_SQL = """
WITH {shared}streams AS (
    SELECT user_id, last_event_id FROM realtime_eventstream
    WHERE user_id = ANY(%(users)s::uuid[]) ORDER BY user_id FOR UPDATE
), appended AS (
    INSERT INTO realtime_event (user_id, type, payload, shared_id, device_id, created_at)
    SELECT user_id, %(type)s, {payload}, {shared_id}, %(device)s::uuid, %(now)s
    FROM streams ORDER BY user_id
    RETURNING id, user_id
), moved AS (
    UPDATE realtime_eventstream AS stream SET last_event_id = appended.id
    FROM appended WHERE stream.user_id = appended.user_id
)
SELECT appended.user_id, appended.id, streams.last_event_id
FROM appended JOIN streams USING (user_id) ORDER BY appended.user_id
"""
# Only these constant fragments go into the statement; every value is a parameter.
_APPEND_OWN_SQL = _APPEND_SQL.format(
    shared="", payload="%(payload)s::jsonb", shared_id="NULL::bigint"
)
_APPEND_SHARED_SQL = _APPEND_SQL.format(
    shared="shared AS (INSERT INTO realtime_sharedpayload (payload, created_at)"
    " VALUES (%(payload)s::jsonb, %(now)s) RETURNING id), ",
    payload="NULL::jsonb",
    shared_id="(SELECT id FROM shared)",
)


def _shares_payload(recipients: list[str], text: str) -> bool:
    return len(recipients) > 1 and len(text) >= SHARED_PAYLOAD_MIN_CHARS


_ENSURE_STREAMS_SQL = """
INSERT INTO realtime_eventstream (user_id, last_event_id, pruned_through)
SELECT user_id, 0, 0 FROM unnest(%(users)s::uuid[]) AS user_id ON CONFLICT DO NOTHING
"""


def _append_postgresql(
    recipients: list[str], event_type: str, text: str, now: dt.datetime, device: str | None
) -> list[Doorbell]:
    """The hot path of every message: two statements whatever the number of recipients."""
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE_STREAMS_SQL, {"users": recipients})
        cursor.execute(
            _APPEND_SHARED_SQL if _shares_payload(recipients, text) else _APPEND_OWN_SQL,
            {"users": recipients, "type": event_type, "payload": text, "now": now,
             "device": device},
        )  # fmt: skip
        rows = cursor.fetchall()
    return [Doorbell(user_id=str(uid), id=new_id, after=after) for uid, new_id, after in rows]


def _append_portable(
    recipients: list[str], event: dict[str, Any], now: dt.datetime, device: str | None = None
) -> list[Doorbell]:
    """The same through the ORM, for SQLite (embedded mode: one process)."""
    EventStream.objects.bulk_create(
        [EventStream(user_id=uid) for uid in recipients], ignore_conflicts=True
    )
    streams = list(
        EventStream.objects.select_for_update().filter(user_id__in=recipients).order_by("user_id")
    )
    previous = [stream.last_event_id for stream in streams]
    shared = None
    if _shares_payload(recipients, event_text(event)):
        shared = SharedPayload.objects.create(payload=event, created_at=now)
    created = Event.objects.bulk_create(
        [
            Event(
                user_id=stream.user_id,
                type=event["type"],
                payload=None if shared else event,
                shared=shared,
                device_id=device,
                created_at=now,
            )
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


def ring(doorbells: list[Doorbell], *, event_type: str, text: str) -> None:
    """Wake the sockets of these users with one bell for all of them (portal.realtime.hub):
    a socket that has sent everything up to its ``after`` relays the event at once, any
    other reads the log."""
    if doorbells:
        bells = [(bell.user_id, bell.id, bell.after) for bell in doorbells]
        hub.ring([hub.users_bell(bells, event_type=event_type, text=text)])


def ring_topic(topic: str, event_id: int, after: int, *, event_type: str, text: str) -> None:
    """Wake the sockets following a topic: one bell, whatever the number of followers."""
    hub.ring([hub.topic_bell(topic, event_id, after, event_type=event_type, text=text)])


def send_ephemeral(
    frame: dict[str, Any], *, user_ids: Iterable[Any] = (), session_ids: Iterable[Any] = ()
) -> None:
    """Send a short-lived frame (typing, presence) to every socket of these users now, and
    to the sockets opened with these sign-in sessions (one device: call signalling).

    Not written to the event log: a client that is not connected never gets it, which is
    right for things that are stale a few seconds later. Runs after commit when called
    inside a transaction.
    """
    users = sorted({str(u) for u in user_ids})
    sessions = sorted({str(s) for s in session_ids})
    if users or sessions:
        transaction.on_commit(lambda: hub.ring([hub.ephemeral_bell(users, frame, sessions)]))


def close_auth_session_sockets(session_ids: Iterable[Any], *, code: int, reason: str) -> None:
    """After commit, close every socket opened with these sign-in sessions.

    The process's poll also re-checks every socket's session, so a lost bell delays the
    close by at most that interval.
    """
    sessions = [str(sid) for sid in session_ids]
    if sessions:
        transaction.on_commit(
            lambda: hub.ring([hub.close_bell(sessions, code=code, reason=reason)])
        )


# --- topics: one stream shared by every follower -----------------------------------------

# One statement locks the topic, takes the new id, stores the event and moves the head; it
# returns the new id and the previous head. A topic nobody ever followed has no row, and
# nothing is stored (a follower starts at the head anyway).
_TOPIC_APPEND_SQL = """
WITH head AS (
    SELECT key, last_event_id FROM realtime_topic WHERE key = %(topic)s FOR UPDATE
), appended AS (
    INSERT INTO realtime_topicevent (topic_id, type, payload, created_at)
    SELECT key, %(type)s, %(payload)s::jsonb, %(now)s FROM head
    RETURNING id
), moved AS (
    UPDATE realtime_topic SET last_event_id = (SELECT id FROM appended) WHERE key = %(topic)s
)
SELECT appended.id, head.last_event_id FROM appended, head
"""


def publish_topic(event: dict[str, Any], *, topic: str) -> int | None:
    """Append ``event`` to a topic: one row, whatever the number of its followers, and
    one bell after commit. Returns the event's id (None when the topic has no row: nobody
    ever followed it). Inside the service's transaction, like ``publish``."""
    require_transaction("publish_topic")
    if "type" not in event:
        raise ValueError("an event needs a type")
    now = clock.now()
    text = event_text(event)
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _TOPIC_APPEND_SQL,
                    {"topic": topic, "type": event["type"], "payload": text, "now": now},
                )
                row = cursor.fetchone()
            if row is None:
                return None
            event_id, after = row
        else:
            head = Topic.objects.select_for_update().filter(key=topic).first()
            if head is None:
                return None
            after = head.last_event_id
            event_id = TopicEvent.objects.create(
                topic=head, type=event["type"], payload=event, created_at=now
            ).id
            Topic.objects.filter(key=topic).update(last_event_id=event_id)
        transaction.on_commit(
            lambda: ring_topic(topic, event_id, after, event_type=event["type"], text=text)
        )
    return event_id


def topic_follow(topic: str, *, user_ids: Iterable[Any]) -> int:
    """Have these users follow ``topic`` from its head now; each who did not follow it
    yet gets a ``stream.follow`` event in their own stream saying from where, so their
    sockets (and a client resuming later) pick the topic up exactly there. Returns the
    head. Inside the service's transaction: the head is read under the topic's lock, so a
    publish to the topic commits either before it (not sent to them) or after."""
    require_transaction("topic_follow")
    users = sorted({str(u) for u in user_ids})
    with transaction.atomic():
        Topic.objects.bulk_create([Topic(key=topic)], ignore_conflicts=True)
        head = _locked_head(topic)
        if not users:
            return head
        rows = dict(
            TopicFollow.objects.filter(topic_id=topic, user_id__in=users).values_list(
                "user_id", "until"
            )
        )
        known = {str(user_id) for user_id in rows}
        returning = [str(user_id) for user_id, until in rows.items() if until is not None]
        fresh = [u for u in users if u not in known]
        TopicFollow.objects.filter(topic_id=topic, user_id__in=returning).update(
            since=head, until=None
        )
        TopicFollow.objects.bulk_create(
            [TopicFollow(user_id=u, topic_id=topic, since=head) for u in fresh],
            ignore_conflicts=True,
        )
        if fresh or returning:
            publish(events.follow_event(topic, after=head), user_ids=[*fresh, *returning])
    return head


def topic_unfollow(topic: str, *, user_ids: Iterable[Any]) -> None:
    """Stop these users following ``topic`` at its head now: their sockets send its events
    up to there and nothing later, from the ``stream.unfollow`` event on."""
    require_transaction("topic_unfollow")
    users = sorted({str(u) for u in user_ids})
    if not users:
        return
    with transaction.atomic():
        head = _locked_head(topic)
        following = TopicFollow.objects.filter(
            topic_id=topic, user_id__in=users, until__isnull=True
        )
        gone = list(following.values_list("user_id", flat=True))
        following.update(until=head)
        if gone:
            publish(events.unfollow_event(topic, until=head), user_ids=gone)


def _locked_head(topic: str) -> int:
    return (
        Topic.objects.select_for_update()
        .filter(key=topic)
        .values_list("last_event_id", flat=True)
        .first()
        or 0
    )


def event_log_prune(*, now: dt.datetime | None = None) -> int:
    """Delete events older than EVENT_LOG_RETENTION_SECONDS; return how many went.

    Each user's stream (and each topic) loses a prefix of its ids (up to its newest
    expired event, which can take along a slightly younger one published while it waited
    for the stream lock), and ``pruned_through`` moves to the end of that prefix in the
    same transaction, so a resuming socket either finds its events or learns it must
    resync.
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
    expired_topics = list(
        TopicEvent.objects.filter(created_at__lt=cutoff)
        .values("topic_id")
        .annotate(max_id=Max("id"))
        .order_by()
        .values_list("topic_id", "max_id")
    )
    for topic, max_id in expired_topics:  # the same, for each topic
        with transaction.atomic():
            deleted += TopicEvent.objects.filter(topic_id=topic, id__lte=max_id).delete()[0]
            Topic.objects.filter(key=topic, pruned_through__lt=max_id).update(pruned_through=max_id)
    # A shared payload goes with the last event that pointed at it: every such event was
    # published with it, at the same time, so none younger than the cutoff can appear.
    SharedPayload.objects.filter(created_at__lt=cutoff).exclude(
        Exists(Event.objects.filter(shared=OuterRef("pk")))
    ).delete()
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
