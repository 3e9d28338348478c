"""Events of the gateway itself: payloads and who receives them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def test_event(*, user_ids: Iterable[Any], text: str = "") -> tuple[dict[str, Any], list[Any]]:
    """``test.ping``: carries no data; for checking delivery (tests, ``send_test_event``).
    Clients ignore it. Goes to exactly ``user_ids``."""
    return {"type": "test", "op": "ping", "text": text}, list(user_ids)
