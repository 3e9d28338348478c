"""The socket at ``/ws/``: authenticates, then relays the user's event stream and the
topics the user follows, and hands the frames apps registered to their handlers.

Each event reaches the socket in its bell (portal.realtime.hub) together with the id before
it in the same stream; a socket that has sent exactly up to that id relays it at once, any
other (it missed a bell, or the event has a rule: a remote command, a policy change, a
follow) reads the events after its cursor from PostgreSQL. One poll per process re-checks
every socket's session, stream head and topic heads now and then, in case a bell or a close
was lost. So every event arrives exactly once and in order however many bells are lost.
The protocol is documented in docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync, database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from rest_framework.exceptions import ParseError

from portal.accounts.exceptions import NotAuthenticated, TokenInvalid, TokenRevoked
from portal.accounts.models import AuthSession
from portal.accounts.services.sessions import CLOSE_SESSION_REVOKED
from portal.api.parsers import InvalidCharacters, check_document
from portal.errors import PortalError, ServiceUnavailable
from portal.outage import DATABASE_DOWN
from portal.realtime import frames, gateway, selectors
from portal.realtime.exceptions import (
    AlreadyAuthenticated,
    AuthTimeout,
    FrameTooLarge,
    InvalidEventId,
    MalformedFrame,
    ResumeTooLate,
    UnknownFrameType,
)
from portal.realtime.gateway import Acknowledged, FrameType, SocketContext
from portal.realtime.hub import hub
from portal.realtime.middleware import (
    SCOPE_KEY,
    authenticate_token,
    session_recheck,
    socket_ip,
)
from portal.realtime.poll import poller

logger = logging.getLogger(__name__)

# Close codes (docs/realtime.md).
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = CLOSE_SESSION_REVOKED  # 4401
CLOSE_DEVICE_REFUSED = 4403
CLOSE_AUTH_TIMEOUT = 4408
CLOSE_RESUME_TOO_LATE = 4409
CLOSE_SERVICE_UNAVAILABLE = 4503
# The event socket takes messages of up to MAX_FRAME_BYTES and closes larger ones with
# 4413. The server's own limit (--websocket-max-message-size, 1 MiB everywhere in this
# repository, for the co-editing socket's large updates) closes anything larger still with
# 1009 before it reaches an application.
CLOSE_TOO_LARGE = 4413

MAX_FRAME_BYTES = 64 * 1024
BATCH_SIZE = 200
# The gateway's own events (a topic followed or left): the socket acts on them, so they
# are read from the log like events with a rule.
STREAM_EVENT = "stream"
# HTTP-like statuses of errors that end a sign-in, and the close code each gets.
AUTH_CLOSE_CODES = {403: CLOSE_DEVICE_REFUSED, 503: CLOSE_SERVICE_UNAVAILABLE}
MAX_REF_CHARS = 64


class EventStreamConsumer(AsyncWebsocketConsumer):
    """One client's socket: its user's events and its followed topics' events, in order,
    from where the client left off.

    State: ``session`` is None until authenticated; ``started`` once the cursors are set;
    ``cursor`` is the id of the last personal event sent (or skipped) on this socket,
    ``topics`` the same per followed topic; ``first_after`` (and ``topic_first_after``) is
    the cursor before the first event this socket sent (a resume may not reach back before
    it). Bells are handled in tasks of their own, so everything that reads or moves a
    cursor holds ``lock``.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its ``close_old_connections`` before every message: a
        hop to the process's single sync thread for each message of each socket
        (docs/performance.md). Handlers here reach the database only through
        ``database_sync_to_async``, which closes stale connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await self._guarded(handler(message))

    async def _guarded(self, work: Any) -> None:
        try:
            await work
        except DATABASE_DOWN as error:
            # PostgreSQL is unreachable: the client is told so and reconnects later with
            # its last event id, losing nothing (docs/realtime.md, close code 4503).
            logger.warning("websocket closed: database unavailable (%s)", error)
            await self._fail(ServiceUnavailable(), CLOSE_SERVICE_UNAVAILABLE)

    async def connect(self) -> None:
        self.session: AuthSession | None = None
        self.context: SocketContext | None = None
        self.connection_id = f"ws.{uuid.uuid4().hex}"  # presence counts sockets by it
        self.started = False
        self.cursor = 0
        self.first_after: int | None = None
        self.topics: dict[str, int] = {}
        self.topic_first_after: dict[str, int] = {}
        # Topics left: their events up to this id are still owed, none after.
        self.leaving: dict[str, int] = {}
        self.closed = False
        self.ip = socket_ip(self.scope)
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        self.url_last_event_id: str | None = query.get("last_event_id", [None])[-1]
        self.url_topics: str | None = query.get("topics", [None])[-1]
        await self.accept()
        auth = self.scope[SCOPE_KEY]
        if auth.error is not None:
            await self._fail(auth.error, self._auth_close_code(auth.error))
        elif auth.session is not None:
            await self._start(auth.session, self.url_last_event_id, self.url_topics)
        else:
            self.tasks.append(asyncio.create_task(self._auth_deadline()))

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        self.closed = True
        self._cancel_tasks()
        poller().discard(self)
        if self.session is not None:
            hub().remove(
                self, user_id=str(self.session.user_id), session_id=str(self.session.pk),
                topics=list(self.topics),
            )  # fmt: skip
        if self.context is not None:
            try:
                await database_sync_to_async(_connection_closed)(self.context)
            except DATABASE_DOWN as error:
                logger.warning("a closed socket's hooks did not run: %s", error)

    # --- inbound frames ---------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closed:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self._fail(FrameTooLarge(max_bytes=MAX_FRAME_BYTES), CLOSE_TOO_LARGE)
            return
        refused: PortalError = MalformedFrame()
        try:
            frame = json.loads(text_data) if text_data is not None else None
            check_document(frame)  # as for REST bodies: nesting, NUL, lone surrogates
        except (ValueError, RecursionError, ParseError):  # RecursionError: nesting too deep
            frame = None
        except InvalidCharacters as error:
            frame, refused = None, error
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            if self.session is None:
                await self._fail(refused, CLOSE_UNAUTHENTICATED)
            else:
                await self._send_error(refused)
            return
        kind = frame["type"]
        if self.session is None:
            if kind == "auth":
                await self._on_auth(frame)
            else:
                await self._fail(NotAuthenticated(), CLOSE_UNAUTHENTICATED)
        elif kind == "ping":
            await self._send_frame({"type": "pong"})
        elif kind == "resume":
            await self._on_resume(frame.get("last_event_id"), frame.get("topics"))
        elif kind == "auth":
            await self._send_error(AlreadyAuthenticated())
        elif (registered := gateway.frame_type(kind)) is not None:
            await self._on_app_frame(registered, frame)
        else:
            await self._send_error(UnknownFrameType(type=kind[:100]))

    async def _on_app_frame(self, registered: FrameType, frame: dict[str, Any]) -> None:
        """A frame an app registered: its handler's answer, or its error, goes back; with
        ``ref`` on both for an acknowledged frame. The socket stays open either way."""
        assert self.context is not None
        ref = frame.get("ref")
        if registered.acknowledged and not (isinstance(ref, str) and 0 < len(ref) <= MAX_REF_CHARS):
            await self._send_error(MalformedFrame(ref=[f"A string of 1 to {MAX_REF_CHARS}."]))
            return
        try:
            # A thread of its own, as an HTTP request gets (portal.asgi): on the process's
            # one sync thread, every socket's sends would wait for each other's queries.
            handle = DatabaseSyncToAsync(registered.handle, thread_sensitive=False)
            answer = await handle(self.context, frame)
        except Exception as error:
            status, body = frames.error_answer(error)
            if registered.acknowledged:
                await self._send_frame({"type": "error", "ref": ref, "status": status, **body})
            else:
                await self._send_frame({"type": "error", **body})
            return
        if registered.acknowledged:
            assert isinstance(answer, Acknowledged)
            await self._send_frame(
                {"type": "ack", "ref": ref, "status": answer.status, "result": answer.result}
            )

    async def ephemeral_frame(self, frame: dict[str, Any]) -> None:
        """A short-lived frame (typing, presence) for this user's sockets."""
        if self.started:
            await self._send_frame(frame)

    async def _on_auth(self, frame: dict[str, Any]) -> None:
        self._cancel_tasks()  # the deadline: the frame arrived in time
        token = frame.get("token")
        try:
            if not isinstance(token, str) or not token:
                raise TokenInvalid()
            session = await database_sync_to_async(authenticate_token)(token, ip=self.ip)
        except PortalError as error:
            await self._fail(error, self._auth_close_code(error))
            return
        await self._start(
            session,
            frame.get("last_event_id", self.url_last_event_id),
            frame.get("topics", self.url_topics),
        )

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(settings.WEBSOCKET_AUTH_TIMEOUT)
        if self.session is None and not self.closed:
            await self._fail(AuthTimeout(), CLOSE_AUTH_TIMEOUT)

    async def _on_resume(self, value: Any, topics: Any) -> None:
        assert self.session is not None
        async with self.lock:
            try:
                last_event_id = frames.event_id(value)
                cursors = frames.topic_cursors(topics) or {}
                if self.first_after is not None and last_event_id < self.first_after:
                    raise ResumeTooLate()
                for key, cursor in cursors.items():
                    if key in self.topic_first_after and cursor < self.topic_first_after[key]:
                        raise ResumeTooLate()
                point, topic_points = await database_sync_to_async(_start_points)(
                    self.session.user_id, last_event_id, cursors
                )
            except InvalidEventId as error:
                await self._fail(error, CLOSE_BAD_REQUEST)
                return
            except ResumeTooLate as error:
                await self._fail(error, CLOSE_RESUME_TOO_LATE)
                return
            if point.resync:
                await self._send_frame({"type": "resync_required"})
            # Events up to a cursor went out on this socket already, after the ones the
            # client says it has; only newer ones are still owed.
            self.cursor = point.after if self.first_after is None else max(self.cursor, point.after)
            for key, topic_point in topic_points.items():
                if key not in cursors or key not in self.topics or topic_point.until is not None:
                    continue  # given no cursor, not followed by this socket (yet), or left
                if topic_point.resync:
                    await self._send_frame({"type": "resync_required", "topic": key})
                self.topics[key] = max(self.topics[key], topic_point.after)
        await self._catch_up(list(cursors))

    # --- the streams ---------------------------------------------------------------------------

    async def _start(self, session: AuthSession, last_event_id: Any, topics: Any) -> None:
        """Register with the process's hub, then read where each stream starts: an event
        committed in between is rung after the registration, so it cannot be missed; bells
        that arrive meanwhile wait on the lock until the cursors are set."""
        self.session = session
        self.context = SocketContext(session=session, connection_id=self.connection_id)
        translation.activate(session.user.language)
        async with self.lock:
            await hub().add(self, user_id=str(session.user_id), session_id=str(session.pk))
            hub().on_reconnect = poller().poll_soon
            # A revocation committed between authentication and registering rang no one here.
            if not await self._recheck(policy=False):
                return
            try:
                cursors = frames.topic_cursors(topics)
                followed = await database_sync_to_async(selectors.followed_topics)(session.user_id)
                for key in followed:
                    hub().follow(self, key)
                point, topic_points = await database_sync_to_async(_start_points)(
                    session.user_id,
                    None if last_event_id is None else frames.event_id(last_event_id),
                    cursors or {},
                )
            except InvalidEventId as error:
                await self._fail(error, CLOSE_BAD_REQUEST)
                return
            following = {k: p for k, p in topic_points.items() if p.until is None}
            for key in set(followed) - set(following):
                hub().unfollow(self, key)  # left between the two reads
            await self._send_frame(
                {
                    "type": "ready",
                    "last_event_id": point.head,
                    "user_id": str(session.user_id),
                    "topics": {key: p.head for key, p in following.items()},
                }
            )
            if point.resync:
                await self._send_frame({"type": "resync_required"})
            self.cursor = point.after
            for key, topic_point in topic_points.items():
                if topic_point.resync:
                    await self._send_frame({"type": "resync_required", "topic": key})
                self.topics[key] = topic_point.after
                if topic_point.until is not None:
                    self.leaving[key] = topic_point.until
            self.started = True
            poller().add(self)
        await database_sync_to_async(_connection_opened)(self.context)
        await self._catch_up(list(self.topics))

    async def _catch_up(self, topics: list[str]) -> None:
        await self._read_log()
        for key in topics:
            await self._read_topic(key)

    async def user_bell(self, event_id: int, after: int, event_type: str, text: str) -> None:
        """A bell: an event was appended to this user's stream. (A bell that arrives while
        the socket starts waits on the lock, and finds it started.)"""
        if self.session is None or self.closed:
            return
        if text and event_type != STREAM_EVENT and gateway.event_rule(event_type) is None:
            async with self.lock:
                if not self.started or self.closed or event_id <= self.cursor:
                    return  # closed, or already sent from the log
                if after == self.cursor:
                    if self.first_after is None:
                        self.first_after = self.cursor
                    await self.send(text_data=frames.event_frame(event_id, text))
                    self.cursor = event_id
                    return
        await self._guarded(self._read_log())

    async def topic_bell(
        self, topic: str, event_id: int, after: int, event_type: str, text: str
    ) -> None:
        """A bell: an event was appended to a topic this socket follows."""
        if self.session is None or self.closed:
            return
        async with self.lock:
            cursor = self.topics.get(topic)
            if not self.started or cursor is None or self.closed or event_id <= cursor:
                return  # not started, not followed (any more), closed, or already sent
            relay = topic not in self.leaving and gateway.event_rule(event_type) is None
            if after == cursor and text and relay:
                self.topic_first_after.setdefault(topic, cursor)
                await self.send(text_data=frames.event_frame(event_id, text, topic))
                self.topics[topic] = event_id
                return
        await self._guarded(self._read_topic(topic))

    async def session_closed(self, code: int, reason: str) -> None:
        """The socket's sign-in session ended (revoked, signed out, user blocked). Under the
        lock: events rung before the close (the remote command that locked the device) go
        out first."""
        async with self.lock:
            await self._fail(TokenRevoked(reason=reason), code)

    async def _read_log(self) -> None:
        """Send every personal event after the cursor, in id order, and act on those with
        a rule (and on follows)."""
        assert self.session is not None
        if not self.started:
            return
        followed: list[str] = []
        recheck_policy = False
        async with self.lock:
            while not self.closed:
                batch = await database_sync_to_async(selectors.events_after)(
                    user_id=self.session.user_id, after=self.cursor, limit=BATCH_SIZE,
                    device_id=self.session.device_id,
                )  # fmt: skip
                if batch.pruned_through is not None and batch.pruned_through > self.cursor:
                    # Events this socket still owed were pruned while it caught up.
                    await self._send_frame({"type": "resync_required"})
                    self.cursor = batch.pruned_through
                for event_id, payload, for_this_device in batch.events:
                    if for_this_device:
                        if self.first_after is None:
                            self.first_after = self.cursor
                        if payload.get("type") == STREAM_EVENT:
                            # A leave sends what the topic still owes first, a follow
                            # reads the topic after.
                            followed += await self._on_stream_event(payload)
                        await self._send_frame({"type": "event", "id": event_id, "event": payload})
                        rule = gateway.event_rule(payload.get("type", ""))
                        if rule is not None and rule.after_delivery is not None:
                            # Before anything else reaches the socket: a close that follows
                            # (a wipe) must find the command delivered.
                            await database_sync_to_async(rule.after_delivery)(payload)
                        recheck_policy |= rule is not None and rule.recheck_device
                    self.cursor = event_id
                if len(batch.events) < BATCH_SIZE:
                    break
        if recheck_policy and not self.closed:
            await self._recheck(policy=True)
        for key in followed:
            await self._read_topic(key)

    async def _on_stream_event(self, payload: dict[str, Any]) -> list[str]:
        """Follow or leave a topic as the event says (under the lock): a leave first sends
        the topic's events up to where it ends; returns a followed topic to read next."""
        topic = payload.get("topic")
        if not isinstance(topic, str):
            return []
        if payload.get("op") == "follow" and (topic not in self.topics or topic in self.leaving):
            self.leaving.pop(topic, None)
            self.topics[topic] = max(int(payload.get("after", 0)), self.topics.get(topic, 0))
            hub().follow(self, topic)
            return [topic]
        if payload.get("op") == "unfollow" and topic in self.topics:
            until = int(payload.get("until", 0))
            if self.topics[topic] < until:
                self.leaving[topic] = until  # still owed up to there: send, then drop
                await self._send_topic(topic)
            self._drop_topic(topic)
        return []

    def _drop_topic(self, topic: str) -> None:
        self.topics.pop(topic, None)
        self.leaving.pop(topic, None)
        self.topic_first_after.pop(topic, None)
        hub().unfollow(self, topic)

    async def _read_topic(self, topic: str) -> None:
        """Send every event of a followed topic after its cursor, in id order."""
        async with self.lock:
            await self._send_topic(topic)

    async def _send_topic(self, topic: str) -> None:
        """``_read_topic`` with the lock held (a topic being left stops at its end)."""
        assert self.session is not None
        while not self.closed and topic in self.topics:
            cursor = self.topics[topic]
            batch = await database_sync_to_async(selectors.topic_events_after)(
                user_id=self.session.user_id, topic=topic, after=cursor, limit=BATCH_SIZE
            )
            if batch.pruned_through is not None and batch.pruned_through > cursor:
                await self._send_frame({"type": "resync_required", "topic": topic})
                cursor = batch.pruned_through
            until = self.leaving.get(topic)
            for event_id, payload, _ in batch.events:
                if until is not None and event_id > until:
                    break
                self.topic_first_after.setdefault(topic, cursor)
                await self._send_frame(
                    {"type": "event", "topic": topic, "id": event_id, "event": payload}
                )
                cursor = event_id
            self.topics[topic] = cursor
            if until is not None and (cursor >= until or len(batch.events) < BATCH_SIZE):
                self._drop_topic(topic)  # everything still owed was sent
                break
            if len(batch.events) < BATCH_SIZE:
                break

    async def poll_result(
        self, *, ended: PortalError | None, head: int, topic_heads: dict[str, int]
    ) -> None:
        """What the process's poll found for this socket: its session ended, or its streams
        have events it was not rung for."""
        if ended is not None:
            await self._fail(ended, CLOSE_UNAUTHENTICATED)
            return
        if head > self.cursor and not self.closed:
            await self._read_log()
        for key, cursor in list(self.topics.items()):
            if topic_heads.get(key, 0) > cursor and not self.closed:
                await self._read_topic(key)

    async def _recheck(self, *, policy: bool) -> bool:
        """Close the socket (and return False) if its session ended or, with ``policy``,
        its device is now refused."""
        assert self.session is not None
        try:
            await database_sync_to_async(session_recheck)(
                self.session.pk, ip=self.ip, policy=policy
            )
        except PortalError as error:
            await self._fail(error, self._auth_close_code(error))
            return False
        return True

    # --- outbound -------------------------------------------------------------------------------

    @staticmethod
    def _auth_close_code(error: PortalError) -> int:
        return AUTH_CLOSE_CODES.get(error.status, CLOSE_UNAUTHENTICATED)

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        if not self.closed:
            await self.send(text_data=frames.frame_text(frame))

    async def _send_error(self, error: PortalError) -> None:
        await self._send_frame({"type": "error", **error.as_dict()})

    async def _fail(self, error: PortalError, code: int) -> None:
        """Tell the client why in an error frame, then close with ``code``."""
        if self.closed:
            return
        await self._send_error(error)
        self.closed = True
        self._cancel_tasks()
        await self.close(code=code)

    def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()
        self.tasks = [task for task in self.tasks if task is current]


def _start_points(
    user_id: Any, last_event_id: int | None, cursors: dict[str, int]
) -> tuple[selectors.ResumePoint, dict[str, selectors.ResumePoint]]:
    """Where the personal stream and each followed topic start, in one database call."""
    return (
        selectors.stream_resume_point(user_id=user_id, last_event_id=last_event_id),
        selectors.topic_resume_points(user_id=user_id, cursors=cursors),
    )


def _connection_opened(context: SocketContext) -> None:
    for hooks in gateway.connection_hooks():
        if hooks.opened is not None:
            hooks.opened(context)


def _connection_closed(context: SocketContext) -> None:
    for hooks in gateway.connection_hooks():
        if hooks.closed is not None:
            hooks.closed(context)
