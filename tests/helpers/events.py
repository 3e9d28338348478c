"""Capturing the events services publish, with their exact recipients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from portal.realtime.models import Event
from tests.helpers.schema import assert_event_matches_schema


@dataclass
class Captured:
    start_id: int
    events: list[tuple[dict[str, Any], set[str]]] = field(default_factory=list)

    def of_type(self, type_: str) -> list[tuple[dict[str, Any], set[str]]]:
        return [(payload, users) for payload, users in self.events if payload["type"] == type_]


@contextmanager
def capture_events() -> Iterator[Captured]:
    """Events published in the block, each with the set of user ids it went to.

    Reads the real event log, so it sees exactly what sockets would be sent. Each event
    must match its schema (``x-websocket-events``, tests/helpers/schema.py).
    """
    start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    captured = Captured(start)
    yield captured
    grouped: dict[str, tuple[dict[str, Any], set[str]]] = {}
    order: list[str] = []
    for event in Event.objects.filter(id__gt=start).order_by("id"):
        key = repr(sorted(event.payload.items()))
        if key not in grouped:
            grouped[key] = (event.payload, set())
            order.append(key)
        grouped[key][1].add(str(event.user_id))
    captured.events = [grouped[k] for k in order]
    for payload, _ in captured.events:
        assert_event_matches_schema(payload)
