"""What calls add to the event socket (portal.realtime.gateway): the ``call.signal``
frame, and the connection hooks that tell whether a call's devices still have a socket."""

from __future__ import annotations

from typing import Any

from portal.realtime import gateway
from portal.realtime.gateway import SocketContext


def call_signal(socket: SocketContext, frame: dict[str, Any]) -> None:
    """``call.signal``: rate limited per socket first (no query for a flood), then checked
    and relayed (conferencing/signalling.py)."""
    from conferencing.signalling import call_signal, signal_allow, signal_parse

    signal_allow(socket.state)
    signal = signal_parse(frame)
    call_signal(
        actor=socket.session.user, session=socket.session, call_id=frame.get("call_id"),
        signal=signal,
    )  # fmt: skip


def _opened(socket: SocketContext) -> None:
    from conferencing.services import call_sessions_connected

    call_sessions_connected(session_ids=[socket.session.pk])


def _closed(socket: SocketContext) -> None:
    from conferencing.services import call_sessions_disconnected

    call_sessions_disconnected(session_ids=[socket.session.pk])


def _renewed(sockets: list[SocketContext]) -> None:
    from conferencing.services import call_sessions_connected

    call_sessions_connected(session_ids={s.session.pk for s in sockets})


def register() -> None:
    """Called from ``ConferencingConfig.ready``."""
    from conferencing.api import events

    gateway.register_frame("call.signal", call_signal, schema=events.CallSignalClientFrame)
    gateway.register_connection_hooks(opened=_opened, closed=_closed, renewed=_renewed)
    gateway.register_events(events.EVENTS)
    gateway.register_server_frames(events.SERVER_FRAMES)
