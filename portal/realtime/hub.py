"""The doorbells of every socket in a process, through one Redis channel.

A service that appended events publishes ONE bell per call, whatever the number of
recipients: it names each recipient's new event id (and the one before it), or the topic,
and carries the event's JSON once. Every server process subscribes to the one channel and
hands the bell to its own sockets of those users, sessions or topics, from tables it keeps
in memory. So a post to a channel of 100,000 members costs one Redis message, received
once by each process, instead of one per member (docs/realtime.md, "How it works";
docs/performance.md has the measurements).

A bell is a shortcut, never the only copy: the event log in PostgreSQL is. A process that
was away from Redis polls its sockets as soon as it is back (and every poll interval
anyway), so a lost bell delays an event, it never loses it.

Without Redis (embedded mode: one process) bells go straight to this process's hubs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.conf import settings

from portal.cache import REDIS_DOWN, SOCKET_TIMEOUT_SECONDS

logger = logging.getLogger(__name__)

# How long a socket waits for its process to be subscribed before it goes on without
# bells (on the poll) — Redis being down must not keep sockets from opening.
SUBSCRIBE_WAIT_SECONDS = 2.0
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


def channel_name() -> str:
    return f"{settings.REDIS_PREFIX}:realtime.bells"


class Socket(Protocol):
    """What the hub needs of a socket: the handlers of each kind of bell. Each runs in a
    task of its own; the socket orders them under its lock."""

    async def user_bell(self, event_id: int, after: int, event_type: str, text: str) -> None: ...

    async def topic_bell(
        self, topic: str, event_id: int, after: int, event_type: str, text: str
    ) -> None: ...

    async def ephemeral_frame(self, frame: dict[str, Any]) -> None: ...

    async def session_closed(self, code: int, reason: str) -> None: ...


# --- bells on the wire: a JSON header, a newline, then the event's JSON as it is stored ---


def encode(header: dict[str, Any], text: str = "") -> bytes:
    """The header has no raw newline (JSON escapes them), so the first one ends it; the
    event text after it is relayed to sockets without being decoded."""
    return (json.dumps(header, separators=(",", ":")) + "\n" + text).encode()


def decode(raw: bytes | str) -> tuple[dict[str, Any], str]:
    data = raw.decode() if isinstance(raw, bytes) else raw
    head, _, text = data.partition("\n")
    return json.loads(head), text


def users_bell(doorbells: Iterable[tuple[str, int, int]], *, event_type: str, text: str) -> bytes:
    return encode({"k": "u", "t": event_type, "b": [list(b) for b in doorbells]}, text)


def topic_bell(topic: str, event_id: int, after: int, *, event_type: str, text: str) -> bytes:
    return encode({"k": "t", "t": event_type, "topic": topic, "id": event_id, "a": after}, text)


def ephemeral_bell(
    user_ids: Iterable[str], frame: dict[str, Any], session_ids: Iterable[str] = ()
) -> bytes:
    return encode(
        {"k": "x", "users": list(user_ids), "sessions": list(session_ids), "frame": frame}
    )


def close_bell(session_ids: Iterable[str], *, code: int, reason: str) -> bytes:
    return encode({"k": "c", "sessions": list(session_ids), "code": code, "reason": reason})


# --- sending (from services, after commit; any thread) -----------------------------------

_client: Any = None
_client_lock = threading.Lock()


def _redis() -> Any:
    global _client
    if _client is None:
        import redis

        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL,
                    socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                    socket_timeout=SOCKET_TIMEOUT_SECONDS,
                )
    return _client


def ring(bells: list[bytes]) -> None:
    """Send bells to every process (one round trip). Errors are logged, not raised: the
    change they announce has committed, and the poll delivers what a lost bell did not."""
    if not bells:
        return
    if not settings.REDIS_URL:
        for hub in list(_hubs.values()):
            hub.loop.call_soon_threadsafe(hub.receive_many, list(bells))
        return
    from portal.cache import redis_guard

    if not redis_guard.available():
        return
    try:
        if len(bells) == 1:
            _redis().publish(channel_name(), bells[0])
        else:
            pipeline = _redis().pipeline(transaction=False)
            for bell in bells:
                pipeline.publish(channel_name(), bell)
            pipeline.execute()
    except REDIS_DOWN as error:
        redis_guard.failed(error)
        logger.warning("could not ring: Redis is unreachable (%s); the poll delivers", error)
    except Exception:
        logger.exception("could not ring")


# --- receiving (one hub per event loop, i.e. per server process) ------------------------


class Hub:
    """The sockets of one process by user, sign-in session and topic, and the task that
    listens to the bells for them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.users: dict[str, set[Socket]] = defaultdict(set)
        self.sessions: dict[str, set[Socket]] = defaultdict(set)
        self.topics: dict[str, set[Socket]] = defaultdict(set)
        self.subscribed = asyncio.Event()
        self.listener: asyncio.Task[None] | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        # Called when the hub (re)subscribes after having been away from Redis: the
        # sockets may have missed bells meanwhile.
        self.on_reconnect: Callable[[], None] | None = None
        if not settings.REDIS_URL:
            self.subscribed.set()

    # sockets come and go

    async def add(self, socket: Socket, *, user_id: str, session_id: str) -> None:
        """Start handing this socket its user's and session's bells; waits (briefly) until
        the process is subscribed, so an event committed after this returns is rung here."""
        self.users[user_id].add(socket)
        self.sessions[session_id].add(socket)
        if settings.REDIS_URL and (self.listener is None or self.listener.done()):
            self.listener = self.loop.create_task(self._listen())
        try:
            await asyncio.wait_for(self.subscribed.wait(), SUBSCRIBE_WAIT_SECONDS)
        except TimeoutError:
            logger.warning("socket opened without bells until Redis is back")

    def remove(
        self, socket: Socket, *, user_id: str, session_id: str, topics: Iterable[str]
    ) -> None:
        for table, key in ((self.users, user_id), (self.sessions, session_id)):
            _discard(table, key, socket)
        for topic in topics:
            _discard(self.topics, topic, socket)

    def follow(self, socket: Socket, topic: str) -> None:
        self.topics[topic].add(socket)

    def unfollow(self, socket: Socket, topic: str) -> None:
        _discard(self.topics, topic, socket)

    # bells arrive

    def receive_many(self, raws: list[bytes]) -> None:
        for raw in raws:
            self.receive(raw)

    def receive(self, raw: bytes | str) -> None:
        try:
            header, text = decode(raw)
            kind = header["k"]
            if kind == "u":
                for user_id, event_id, after in header["b"]:
                    for socket in self.users.get(user_id, ()):
                        self._run(socket.user_bell(event_id, after, header["t"], text))
            elif kind == "t":
                topic = header["topic"]
                for socket in self.topics.get(topic, ()):
                    self._run(
                        socket.topic_bell(topic, header["id"], header["a"], header["t"], text)
                    )
            elif kind == "x":
                for user_id in header["users"]:
                    for socket in self.users.get(user_id, ()):
                        self._run(socket.ephemeral_frame(header["frame"]))
                for session_id in header.get("sessions", ()):
                    for socket in self.sessions.get(session_id, ()):
                        self._run(socket.ephemeral_frame(header["frame"]))
            elif kind == "c":
                for session_id in header["sessions"]:
                    for socket in list(self.sessions.get(session_id, ())):
                        self._run(socket.session_closed(header["code"], header["reason"]))
        except (ValueError, KeyError, TypeError):
            logger.exception("an unreadable bell was dropped")

    def _run(self, work: Any) -> None:
        # One task per delivery: a slow socket holds up nobody else. Tasks start in the
        # order bells arrived and queue on each socket's lock in that order.
        task = self.loop.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a bell's delivery failed", exc_info=task.exception())

    async def _listen(self) -> None:
        """Subscribe and hand out bells while any socket is here; reconnect after Redis
        failures, and have every socket catch up from the log once back."""
        import redis
        import redis.asyncio

        failures = 0
        while self.users:
            client = redis.asyncio.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS
            )
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(channel_name())
                # Subscribed once Redis confirms it: a bell published before that would
                # not reach this process.
                confirmed = await pubsub.get_message(timeout=SUBSCRIBE_WAIT_SECONDS)
                if confirmed is None or confirmed.get("type") != "subscribe":
                    raise redis.exceptions.ConnectionError("no subscription confirmed")
                self.subscribed.set()
                if failures and self.on_reconnect is not None:
                    self.on_reconnect()
                failures = 0
                while self.users:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self.receive(message["data"])
            except (*REDIS_DOWN, OSError) as error:
                self.subscribed.clear()
                if failures == 0:
                    logger.warning("bells stopped, Redis is unreachable (%s); polling", error)
                await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
                failures += 1
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except (*REDIS_DOWN, OSError):
                    pass
        self.subscribed.clear()


def _discard(table: dict[str, set[Socket]], key: str, socket: Socket) -> None:
    sockets = table.get(key)
    if sockets is not None:
        sockets.discard(socket)
        if not sockets:
            del table[key]


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub (daphne runs one loop per process)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub(loop)
    return _hubs[loop]
