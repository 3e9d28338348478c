"""Reading a user's event stream: where it stands, where a client may resume, what is new."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, JSONField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from portal.realtime.exceptions import InvalidEventId
from portal.realtime.models import Event, EventStream, Topic, TopicEvent, TopicFollow

# A client names at most this many topic cursors when it resumes (a user follows one
# topic per large channel they are in).
MAX_TOPICS = 1000


@dataclass(frozen=True)
class ResumePoint:
    """Where a socket starts: send events with id > ``after``. ``resync`` is True when the
    client was away longer than retention (some of its events are gone). ``until``: for a
    topic the user left, the last event that is still theirs."""

    head: int
    after: int
    resync: bool
    until: int | None = None


def stream_head(user_id: Any) -> int:
    """The id of the user's newest event (0 before the first one)."""
    head = EventStream.objects.filter(user_id=user_id).values_list("last_event_id", flat=True)
    return head.first() or 0


def stream_heads(user_ids: Iterable[Any]) -> dict[Any, int]:
    """The head of each of these users' streams (users without a stream are left out)."""
    return dict(
        EventStream.objects.filter(user_id__in=list(user_ids)).values_list(
            "user_id", "last_event_id"
        )
    )


def stream_resume_point(*, user_id: Any, last_event_id: int | None) -> ResumePoint:
    """Where to start a socket of ``user_id`` whose client has seen ``last_event_id``
    (None: it has seen nothing it wants again, start at the head).

    Raises InvalidEventId for an id that is negative, beyond the user's head, or neither one
    of the user's events nor the last pruned one — so an id of another user's event is
    refused and says nothing about that stream. An id below ``pruned_through`` asks for a
    resync and starts at the head.
    """
    stream = EventStream.objects.filter(user_id=user_id).first()
    head = stream.last_event_id if stream else 0
    pruned_through = stream.pruned_through if stream else 0
    if last_event_id is None:
        return ResumePoint(head=head, after=head, resync=False)
    if last_event_id < 0 or last_event_id > head:
        raise InvalidEventId(last_event_id=last_event_id)
    if last_event_id < pruned_through:
        return ResumePoint(head=head, after=head, resync=True)
    known = last_event_id in (0, pruned_through) or (
        Event.objects.filter(user_id=user_id, id=last_event_id).exists()
    )
    if not known:
        raise InvalidEventId(last_event_id=last_event_id)
    return ResumePoint(head=head, after=last_event_id, resync=False)


@dataclass(frozen=True)
class EventBatch:
    """Events with id > the asked one, in id order, each with whether it is for the
    reading socket's device, and the stream's ``pruned_through`` as of the same snapshot
    (None when there were no events to read it with)."""

    events: list[tuple[int, dict[str, Any], bool]]
    pruned_through: int | None


def events_after(*, user_id: Any, after: int, limit: int, device_id: Any = None) -> EventBatch:
    """Up to ``limit`` of the user's events with id > ``after``; an event meant for one
    device is marked as not for a reader of another (``device_id``).

    One statement reads the events and ``pruned_through``, so they come from one snapshot:
    when ``pruned_through`` > ``after`` some events the reader expected were pruned.
    """
    rows = list(
        Event.objects.filter(user_id=user_id, id__gt=after)
        .order_by("id")
        .annotate(
            pruned_through=Subquery(
                EventStream.objects.filter(user_id=OuterRef("user_id")).values("pruned_through")
            )
        )
        .values_list(
            "id",
            Coalesce("payload", "shared__payload", output_field=JSONField()),
            "pruned_through",
            "device_id",
        )[:limit]
    )
    mine = None if device_id is None else str(device_id)
    return EventBatch(
        events=[(row[0], row[1], row[3] is None or str(row[3]) == mine) for row in rows],
        pruned_through=rows[0][2] if rows else None,
    )


# --- topics -----------------------------------------------------------------------------------


def followed_topics(user_id: Any) -> list[str]:
    """The keys of the topics the user follows."""
    return list(
        TopicFollow.objects.filter(user_id=user_id, until__isnull=True).values_list(
            "topic_id", flat=True
        )
    )


def followed_topic_heads(user_id: Any) -> dict[str, int]:
    """The head of every topic the user follows, by key."""
    return dict(
        TopicFollow.objects.filter(user_id=user_id, until__isnull=True).values_list(
            "topic_id", "topic__last_event_id"
        )
    )


def topic_heads(keys: Iterable[str]) -> dict[str, int]:
    return dict(Topic.objects.filter(key__in=list(keys)).values_list("key", "last_event_id"))


def topic_resume_points(*, user_id: Any, cursors: dict[str, int]) -> dict[str, ResumePoint]:
    """Where each topic the user follows starts for a socket whose client gave
    ``cursors`` (topic key → the id of the last event it processed). A followed topic
    without a cursor starts at its head; a cursor from before the user followed starts
    where they did (nothing earlier is theirs); one below the topic's retention asks for
    a resync of that topic. A topic the user has left is there only with a cursor from
    before they left: ``until`` bounds what is still theirs (the events up to their
    leaving); other cursors of topics the user does not follow are ignored. Raises
    InvalidEventId for a cursor beyond the topic's head."""
    rows = TopicFollow.objects.filter(user_id=user_id).values_list(
        "topic_id", "since", "until", "topic__last_event_id", "topic__pruned_through"
    )
    points = {}
    for key, since, until, head, pruned_through in rows:
        cursor = cursors.get(key)
        if until is not None:
            if cursor is not None and since <= cursor < until and cursor >= pruned_through:
                points[key] = ResumePoint(head=until, after=cursor, resync=False, until=until)
            continue
        if cursor is None:
            points[key] = ResumePoint(head=head, after=head, resync=False)
        elif cursor > head:
            raise InvalidEventId(topic=key, last_event_id=cursor)
        elif max(cursor, since) < pruned_through:
            points[key] = ResumePoint(head=head, after=head, resync=True)
        else:
            points[key] = ResumePoint(head=head, after=max(cursor, since), resync=False)
    return points


def topic_events_after(*, user_id: Any, topic: str, after: int, limit: int) -> EventBatch:
    """Up to ``limit`` events of ``topic`` with id > ``after`` that are ``user_id``'s: from
    when they followed it to when they left it (checked in the same statement, so a
    socket that has not yet heard of an unfollow reads nothing later), with the topic's
    ``pruned_through``."""
    following = TopicFollow.objects.filter(
        Q(until__isnull=True) | Q(until__gte=OuterRef("id")),
        user_id=user_id, topic_id=OuterRef("topic_id"), since__lt=OuterRef("id"),
    )  # fmt: skip
    rows = list(
        TopicEvent.objects.filter(Q(topic_id=topic, id__gt=after) & Exists(following))
        .order_by("id")
        .annotate(
            pruned_through=Subquery(
                Topic.objects.filter(key=OuterRef("topic_id")).values("pruned_through")
            )
        )
        .values_list("id", "payload", "pruned_through")[:limit]
    )
    return EventBatch(
        events=[(row[0], row[1], True) for row in rows],
        pruned_through=rows[0][2] if rows else None,
    )
