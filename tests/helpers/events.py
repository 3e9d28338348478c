"""Capturing the events services publish, with their exact recipients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from portal.realtime.models import Event, TopicEvent, TopicFollow
from tests.helpers.schema import assert_event_matches_schema


@dataclass
class Captured:
    start_id: int
    topic_start_id: int = 0
    events: list[tuple[dict[str, Any], set[str]]] = field(default_factory=list)
    # Each topic event with its topic (also in ``events``, with the topic's followers).
    topic_events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def of_type(self, type_: str) -> list[tuple[dict[str, Any], set[str]]]:
        return [(payload, users) for payload, users in self.events if payload["type"] == type_]


@contextmanager
def capture_events() -> Iterator[Captured]:
    """Events published in the block, each with the set of user ids it went to.

    Reads the real event log, so it sees exactly what sockets would be sent: personal
    events first, then the events of topics (a channel's), each with the users who follow
    the topic from before it at the end of the block. Each event must match its schema
    (``x-websocket-events``, tests/helpers/schema.py).
    """
    start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    topic_start = TopicEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    captured = Captured(start, topic_start)
    yield captured
    grouped: dict[str, tuple[dict[str, Any], set[str]]] = {}
    order: list[str] = []
    for event in Event.objects.filter(id__gt=start).select_related("shared").order_by("id"):
        payload = event.body()
        key = repr(sorted(payload.items()))
        if key not in grouped:
            grouped[key] = (payload, set())
            order.append(key)
        grouped[key][1].add(str(event.user_id))
    captured.events = [grouped[k] for k in order]
    for topic_event in TopicEvent.objects.filter(id__gt=topic_start).order_by("id"):
        followers = TopicFollow.objects.filter(
            topic_id=topic_event.topic_id, since__lt=topic_event.id
        )
        users = {str(u) for u in followers.values_list("user_id", flat=True)}
        captured.events.append((topic_event.payload, users))
        captured.topic_events.append((topic_event.topic_id, topic_event.payload))
    for payload, _ in captured.events:
        assert_event_matches_schema(payload)
