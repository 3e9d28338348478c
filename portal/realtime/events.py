"""Events of the gateway itself: payloads and who receives them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def test_event(*, user_ids: Iterable[Any], text: str = "") -> tuple[dict[str, Any], list[Any]]:
    """``test.ping``: carries no data; for checking delivery (tests, ``send_test_event``).
    Clients ignore it. Goes to exactly ``user_ids``."""
    return {"type": "test", "op": "ping", "text": text}, list(user_ids)


def follow_event(topic: str, *, after: int) -> dict[str, Any]:
    """``stream.follow``: from now on this user's sockets send the events of ``topic``
    with ids greater than ``after`` (a client keeps ``after`` as that topic's cursor)."""
    return {"type": "stream", "op": "follow", "topic": topic, "after": after}


def unfollow_event(topic: str, *, until: int) -> dict[str, Any]:
    """``stream.unfollow``: the events of ``topic`` up to ``until`` are this user's, and
    nothing after."""
    return {"type": "stream", "op": "unfollow", "topic": topic, "until": until}
