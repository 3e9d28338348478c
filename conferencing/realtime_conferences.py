"""What conferences add to the event socket (portal.realtime.gateway): the mesh's
``conference.signal`` frame, their events' schema, and the connection hooks that tell
whether joined users still have a socket (services/conferences_presence.py). Every other
conference change is a REST call."""

from __future__ import annotations

from typing import Any

from portal.realtime import gateway
from portal.realtime.gateway import SocketContext


def conference_signal(socket: SocketContext, frame: dict[str, Any]) -> None:
    """``conference.signal``: rate limited per socket first (no query for a flood), then
    checked and relayed (conferencing/signalling_conferences.py)."""
    from conferencing.signalling import signal_allow, signal_parse
    from conferencing.signalling_conferences import SIGNAL_IDS, conference_signal

    signal_allow(socket.state)
    signal = signal_parse(frame, ids=SIGNAL_IDS)
    conference_signal(
        actor=socket.session.user, session=socket.session,
        conference_id=frame.get("conference_id"), to=frame.get("to"), signal=signal,
    )  # fmt: skip


def _opened(socket: SocketContext) -> None:
    from conferencing.services import conference_users_connected

    conference_users_connected(user_ids=[socket.session.user_id])


def _closed(socket: SocketContext) -> None:
    from conferencing.services import conference_users_disconnected

    conference_users_disconnected(user_ids=[socket.session.user_id])


def _renewed(sockets: list[SocketContext]) -> None:
    from conferencing.services import conference_users_connected

    conference_users_connected(user_ids={s.session.user_id for s in sockets})


def register() -> None:
    """Called from ``ConferencingConfig.ready``."""
    from conferencing.api import events_conferences

    schema = events_conferences.ConferenceSignalClientFrame
    gateway.register_frame("conference.signal", conference_signal, schema=schema)
    gateway.register_connection_hooks(opened=_opened, closed=_closed, renewed=_renewed)
    gateway.register_events(events_conferences.EVENTS)
    gateway.register_server_frames(events_conferences.SERVER_FRAMES)
