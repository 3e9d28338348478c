"""Reading what clients send on the event socket and writing what it sends them: cursors
from frames and URLs, event frames around stored JSON, errors as the API renders them."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.utils import translation

from portal.realtime import selectors
from portal.realtime.exceptions import InvalidEventId

logger = logging.getLogger(__name__)


def event_id(value: Any) -> int:
    """A ``last_event_id`` from a frame (a JSON integer) or the URL (digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    raise InvalidEventId()


def topic_cursors(value: Any) -> dict[str, int] | None:
    """Topic cursors from a frame (``{"conversation:…": 812}``) or the URL
    (``conversation:…:812,…``); None when none were given."""
    if value is None:
        return None
    if isinstance(value, str):
        pairs = []
        for item in value.split(",") if value else []:
            key, _, number = item.rpartition(":")
            pairs.append((key, number))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise InvalidEventId(topics=["An object of topic keys and event ids."])
    if len(pairs) > selectors.MAX_TOPICS:
        raise InvalidEventId(topics=[f"At most {selectors.MAX_TOPICS} topics."])
    cursors = {}
    for key, number in pairs:
        if not isinstance(key, str) or not key or len(key) > 100:
            raise InvalidEventId(topics=["A topic key."])
        cursors[key] = event_id(number)
    return cursors


def frame_text(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def event_frame(event_id: int, text: str, topic: str | None = None) -> str:
    """An event frame around the stored JSON of the event, as it is: no decoding and
    encoding per socket."""
    where = "" if topic is None else f',"topic":{json.dumps(topic)}'
    return f'{{"type":"event"{where},"id":{event_id},"event":{text}}}'


def error_answer(error: Exception) -> tuple[int, dict[str, Any]]:
    """A frame handler's exception as the API would answer it: the same status and error
    body as REST (portal.api.exceptions), whatever raised it — a domain error, a
    serializer's validation, a throttle."""
    from portal.api.exceptions import exception_handler

    response = exception_handler(error, {})
    if response is None:  # a bug: logged; the client learns only that it failed
        logger.error("a socket frame's handler failed", exc_info=error)
        message = str(translation.gettext("The server could not handle this frame."))
        return 500, {"error": {"code": "internal_error", "message": message, "details": {}}}
    return response.status_code, dict(response.data)
