"""The poll of each server process: every ``WEBSOCKET_POLL_SECONDS`` one query re-checks
the sessions of all its sockets, one reads their users' stream heads and one their topics'
heads; sockets whose session ended are closed, sockets behind a head read the log, and the
apps renew their per-socket state (presence). It is how events reach sockets whose bell was
lost (Redis restarted, say), and all of them while Redis is down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from portal.errors import PortalError
from portal.outage import DATABASE_DOWN
from portal.realtime import gateway, selectors
from portal.realtime.gateway import SocketContext
from portal.realtime.middleware import sessions_ended

logger = logging.getLogger(__name__)

POLL_SECONDS = float(settings.WEBSOCKET_POLL_SECONDS)


class PolledSocket(Protocol):
    context: SocketContext | None
    started: bool
    closed: bool
    topics: dict[str, int]

    async def poll_result(
        self, *, ended: PortalError | None, head: int, topic_heads: dict[str, int]
    ) -> None: ...


@dataclass(frozen=True)
class _PollState:
    ended: dict[Any, PortalError]
    heads: dict[Any, int]
    topic_heads: dict[str, int]


def _poll_state(contexts: list[SocketContext], topics: set[str]) -> _PollState:
    """For every live socket of the process: the sessions that ended, the users' stream
    heads, the heads of the topics they follow; the apps renew what they keep per socket
    (presence) for the others."""
    ended = sessions_ended({c.session.pk for c in contexts})
    heads = selectors.stream_heads({c.session.user_id for c in contexts})
    topic_heads = selectors.topic_heads(topics)
    alive = [c for c in contexts if c.session.pk not in ended]
    for hooks in gateway.connection_hooks():
        if hooks.renewed is not None:
            hooks.renewed(alive)
    return _PollState(ended=ended, heads=heads, topic_heads=topic_heads)


class Poller:
    """The poll of one process (see the module's docstring)."""

    def __init__(self) -> None:
        self.sockets: set[PolledSocket] = set()
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()

    def add(self, socket: PolledSocket) -> None:
        self.sockets.add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())

    def discard(self, socket: PolledSocket) -> None:
        self.sockets.discard(socket)

    def poll_soon(self) -> None:
        """Poll now rather than at the next interval (bells were missed: Redis was away)."""
        self.wake.set()

    async def _run(self) -> None:
        while self.sockets:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)
            self.wake.clear()
            try:
                await self.poll()
            except DATABASE_DOWN as error:
                logger.warning("poll of the websockets' streams: database unavailable (%s)", error)
            except Exception:
                logger.exception("poll of the websockets' streams failed")

    async def poll(self) -> None:
        sockets = [
            (socket, socket.context)
            for socket in self.sockets
            if socket.context is not None and socket.started and not socket.closed
        ]
        if not sockets:
            return
        topics = {key for socket, _ in sockets for key in socket.topics}
        state = await database_sync_to_async(_poll_state)([c for _, c in sockets], topics)
        results = await asyncio.gather(
            *(
                socket.poll_result(
                    ended=state.ended.get(context.session.pk),
                    head=state.heads.get(context.session.user_id, 0),
                    topic_heads=state.topic_heads,
                )
                for socket, context in sockets
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, Exception):  # one socket's failure is not the others'
                logger.error("poll of a websocket failed", exc_info=result)


_pollers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Poller] = weakref.WeakKeyDictionary()


def poller() -> Poller:
    loop = asyncio.get_running_loop()
    if loop not in _pollers:
        _pollers[loop] = Poller()
    return _pollers[loop]
