"""What domain apps tell the gateway, so that the gateway knows none of them.

An app registers, from its ``AppConfig.ready``:

- the frames clients may send it over the socket (``register_frame``): typing and
  presence, ``message.send``…; an acknowledged frame carries a ``ref`` and is answered
  with an ``ack`` or an ``error`` frame with the same ``ref`` and the HTTP status REST
  would have answered;
- what happens when one of its events reaches a socket (``register_event_rule``): run a
  hook after it went out (a remote command is then "delivered"), or re-check the socket's
  device against its policy;
- what to do when sockets open, close and are renewed by the process's poll
  (``register_connection_hooks``: presence);
- the schema of its events, for the OpenAPI document (``register_events``).

The same registration pattern as download checks (portal/storage/links.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rest_framework import serializers


@dataclass
class SocketContext:
    """One signed-in socket as a frame handler sees it: its sign-in session (``session.user``
    is the user), a name unique to the connection, and ``state`` for the apps' own per-socket
    values (presence keeps "online"/"away" there)."""

    session: Any
    connection_id: str
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Acknowledged:
    """What an acknowledged frame's handler answers: the HTTP status REST would have given
    and the body it would have returned."""

    status: int
    result: Any


FrameHandle = Callable[[SocketContext, dict[str, Any]], Any]


@dataclass(frozen=True)
class FrameType:
    """``handle(socket, frame)`` runs in a worker thread with database access; a
    ``PortalError`` it raises becomes an error frame. ``acknowledged`` frames must carry a
    ``ref`` and their handler returns an ``Acknowledged``."""

    handle: FrameHandle
    acknowledged: bool
    schema: type[serializers.Serializer] | None


@dataclass(frozen=True)
class EventRule:
    """What the socket does with events of one type besides sending them: such events are
    always read from the log (their bell is only a signal)."""

    after_delivery: Callable[[dict[str, Any]], None] | None = None
    recheck_device: bool = False


@dataclass(frozen=True)
class ConnectionHooks:
    opened: Callable[[SocketContext], None] | None = None
    closed: Callable[[SocketContext], None] | None = None
    # All live sockets of the process at once, every poll interval.
    renewed: Callable[[list[SocketContext]], None] | None = None


_frames: dict[str, FrameType] = {}
_event_rules: dict[str, EventRule] = {}
_connection_hooks: list[ConnectionHooks] = []
_events: dict[str, Any] = {}
_server_frames: dict[str, Any] = {}

# The gateway's own frames: they cannot be taken by an app.
RESERVED_FRAMES = frozenset({"auth", "resume", "ping"})


def register_frame(
    frame_type: str,
    handle: FrameHandle,
    *,
    acknowledged: bool = False,
    schema: type[serializers.Serializer] | None = None,
) -> None:
    if frame_type in RESERVED_FRAMES:
        raise ValueError(f"{frame_type} is a frame of the gateway itself")
    _frames[frame_type] = FrameType(handle=handle, acknowledged=acknowledged, schema=schema)


def frame_type(name: str) -> FrameType | None:
    return _frames.get(name)


def frame_types() -> dict[str, FrameType]:
    return dict(_frames)


def register_event_rule(
    event_type: str,
    *,
    after_delivery: Callable[[dict[str, Any]], None] | None = None,
    recheck_device: bool = False,
) -> None:
    _event_rules[event_type] = EventRule(
        after_delivery=after_delivery, recheck_device=recheck_device
    )


def event_rule(event_type: str) -> EventRule | None:
    return _event_rules.get(event_type)


def register_connection_hooks(
    *,
    opened: Callable[[SocketContext], None] | None = None,
    closed: Callable[[SocketContext], None] | None = None,
    renewed: Callable[[list[SocketContext]], None] | None = None,
) -> None:
    _connection_hooks.append(ConnectionHooks(opened=opened, closed=closed, renewed=renewed))


def connection_hooks() -> list[ConnectionHooks]:
    return list(_connection_hooks)


def register_events(events: dict[str, Any]) -> None:
    """Event components by ``type.op`` (each app's ``api/events.py``)."""
    _events.update(events)


def registered_events() -> dict[str, Any]:
    return dict(_events)


def register_server_frames(frames: dict[str, Any]) -> None:
    """Components of the short-lived frames an app sends sockets (typing, presence)."""
    _server_frames.update(frames)


def registered_server_frames() -> dict[str, Any]:
    return dict(_server_frames)
