"""The socket at ``/ws/``: authenticates, then relays the user's event stream.

Each event reaches the socket in its doorbell (``stream.wake``) together with the id before
it in the stream; a socket that has sent exactly up to that id relays it at once, any other
(it missed a doorbell, or the event is a device command or a policy change) reads the
events after its cursor from PostgreSQL. One poll per process re-checks every socket's
session and stream head now and then, in case a doorbell or a close was lost. So every
event arrives exactly once and in order however many doorbells are lost. The protocol is
documented in docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from rest_framework.exceptions import ParseError

from portal.accounts.exceptions import NotAuthenticated, TokenInvalid, TokenRevoked
from portal.accounts.models import AuthSession
from portal.accounts.services.sessions import CLOSE_SESSION_REVOKED
from portal.api.parsers import InvalidCharacters, check_document
from portal.cache import REDIS_DOWN
from portal.devices.exceptions import DeviceRefused
from portal.errors import PortalError, ServiceUnavailable
from portal.outage import DATABASE_DOWN
from portal.realtime import selectors
from portal.realtime.exceptions import (
    AlreadyAuthenticated,
    AuthTimeout,
    FrameTooLarge,
    InvalidEventId,
    MalformedFrame,
    ResumeTooLate,
    UnknownFrameType,
)
from portal.realtime.middleware import (
    SCOPE_KEY,
    authenticate_token,
    session_recheck,
    sessions_ended,
    socket_ip,
)
from portal.realtime.services import auth_session_group, user_group

logger = logging.getLogger(__name__)


def command_delivered(payload: dict[str, Any]) -> None:
    """A remote command went out on its device's socket: pending → delivered."""
    from portal.devices.models import DeviceCommand
    from portal.devices.services import device_commands_delivered

    command_id = payload.get("command", {}).get("id")
    commands = list(DeviceCommand.objects.filter(pk=command_id, device_id=payload["device_id"]))
    device_commands_delivered(commands=commands)


# Close codes (docs/realtime.md).
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = CLOSE_SESSION_REVOKED  # 4401
CLOSE_DEVICE_REFUSED = 4403
CLOSE_AUTH_TIMEOUT = 4408
CLOSE_RESUME_TOO_LATE = 4409
CLOSE_SERVICE_UNAVAILABLE = 4503
# Started through portal.server with --websocket-max-message-size (as everywhere in this
# repository), the server closes oversized messages with 1009 before they reach us; this
# check fires only on a server started without that limit (an application cannot send 1009).
CLOSE_TOO_LARGE = 4413

MAX_FRAME_BYTES = 64 * 1024
# Every so often each process re-checks its sockets' sessions and stream heads without a
# doorbell, in case a ring or a close was lost on the way (Redis restarted, say). While
# Redis is down this is how events and revocations reach the sockets.
POLL_SECONDS = float(settings.WEBSOCKET_POLL_SECONDS)
BATCH_SIZE = 200
# Events a socket acts on beyond relaying them: always read from the log.
READ_FROM_LOG = frozenset({"device", "policy"})


def _event_id(value: Any) -> int:
    """A ``last_event_id`` from a frame (a JSON integer) or the URL (digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    raise InvalidEventId()


def _frame_text(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class EventStreamConsumer(AsyncWebsocketConsumer):
    """One client's socket: its user's events, in order, from where the client left off.

    State: ``session`` is None until authenticated; ``cursor`` is the id of the last event
    read from the log for this socket; ``first_after`` is the cursor before the first event
    this socket sent (a resume may not reach back before it).
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its ``close_old_connections`` before every message: a
        hop to the process's single sync thread for each doorbell of each socket, which
        serialised the delivery of every event (docs/performance.md). Handlers here reach
        the database only through ``database_sync_to_async``, which closes stale
        connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except DATABASE_DOWN as error:
            # PostgreSQL is unreachable: the client is told so and reconnects later with
            # its last event id, losing nothing (docs/realtime.md, close code 4503).
            logger.warning("websocket closed: database unavailable (%s)", error)
            await self._fail(ServiceUnavailable(), CLOSE_SERVICE_UNAVAILABLE)

    async def connect(self) -> None:
        self.session: AuthSession | None = None
        self.cursor = 0
        self.first_after: int | None = None
        self.closed = False
        self.ip = socket_ip(self.scope)
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        self.url_last_event_id: str | None = query.get("last_event_id", [None])[-1]
        self.presence_state = "online"
        self.joined = False
        await self.accept()
        auth = self.scope[SCOPE_KEY]
        if auth.error is not None:
            await self._fail(auth.error, self._auth_close_code(auth.error))
        elif auth.session is not None:
            await self._start(auth.session, self.url_last_event_id)
        else:
            self.tasks.append(asyncio.create_task(self._auth_deadline()))

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Channels' own, except that leaving the groups cannot fail: with the layer's
        Redis down, an exception here would skip ``disconnect`` and leave the consumer
        running with nothing to serve."""
        for group in self.groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except REDIS_DOWN as error:
                logger.warning("could not leave group %s: %s", group, error)
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        self.closed = True
        self._cancel_tasks()
        _poller().discard(self)
        if self.session is not None:
            from messaging.services import presence_gone

            try:
                await database_sync_to_async(presence_gone)(
                    user_id=self.session.user_id, connection_id=self.channel_name
                )
            except DATABASE_DOWN as error:
                logger.warning("presence of a closed socket not updated: %s", error)

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
            await self._on_resume(frame.get("last_event_id"))
        elif kind == "typing":
            await self._call(self._typing, frame.get("conversation_id"))
        elif kind == "presence":
            await self._call(self._presence, frame.get("state"))
        elif kind == "auth":
            await self._send_error(AlreadyAuthenticated())
        else:
            await self._send_error(UnknownFrameType(type=kind[:100]))

    async def _call(self, handler: Any, *args: Any) -> None:
        """Run one frame's service call; a domain error becomes an error frame and the
        socket stays open."""
        try:
            await database_sync_to_async(handler)(*args)
        except PortalError as error:
            await self._send_error(error)

    def _typing(self, conversation_id: Any) -> None:
        from messaging.services import typing_notify

        assert self.session is not None
        typing_notify(actor=self.session.user, conversation_id=conversation_id)

    def _presence(self, state: Any) -> None:
        from messaging.services import presence_set

        assert self.session is not None
        if state not in ("online", "away"):
            raise MalformedFrame(state=["online or away"])
        self.presence_state = state
        presence_set(user_id=self.session.user_id, connection_id=self.channel_name, state=state)

    async def ephemeral_frame(self, message: dict[str, Any]) -> None:
        """A short-lived frame (typing, presence) for this user's sockets."""
        if self.session is not None:
            await self._send_frame(message["frame"])

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
        last_event_id = frame.get("last_event_id", self.url_last_event_id)
        await self._start(session, last_event_id)

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(settings.WEBSOCKET_AUTH_TIMEOUT)
        if self.session is None and not self.closed:
            await self._fail(AuthTimeout(), CLOSE_AUTH_TIMEOUT)

    async def _on_resume(self, value: Any) -> None:
        assert self.session is not None
        async with self.lock:
            try:
                last_event_id = _event_id(value)
                if self.first_after is not None and last_event_id < self.first_after:
                    raise ResumeTooLate()
                point = await database_sync_to_async(selectors.stream_resume_point)(
                    user_id=self.session.user_id, last_event_id=last_event_id
                )
            except InvalidEventId as error:
                await self._fail(error, CLOSE_BAD_REQUEST)
                return
            except ResumeTooLate as error:
                await self._fail(error, CLOSE_RESUME_TOO_LATE)
                return
            if point.resync:
                await self._send_frame({"type": "resync_required"})
            elif self.first_after is None:
                self.cursor = point.after
            else:
                # Events up to the cursor went out on this socket already, after the ones
                # the client says it has; only newer ones are still owed.
                self.cursor = max(self.cursor, point.after)
        await self._read_log()

    # --- the stream ---------------------------------------------------------------------------

    async def _start(self, session: AuthSession, last_event_id: Any) -> None:
        """Join the user's doorbell, then read where to start: an event committed in
        between is rung after the join, so it cannot be missed."""
        self.session = session
        translation.activate(session.user.language)
        await self.join_groups()
        # A revocation committed between authentication and the join rang no one here.
        if not await self._recheck(policy=False):
            return
        try:
            point = await database_sync_to_async(selectors.stream_resume_point)(
                user_id=session.user_id,
                last_event_id=None if last_event_id is None else _event_id(last_event_id),
            )
        except InvalidEventId as error:
            await self._fail(error, CLOSE_BAD_REQUEST)
            return
        await self._send_frame(
            {"type": "ready", "last_event_id": point.head, "user_id": str(session.user_id)}
        )
        if point.resync:
            await self._send_frame({"type": "resync_required"})
        self.cursor = point.after
        _poller().add(self)
        await database_sync_to_async(self._presence)("online")
        await self._read_log()

    async def join_groups(self) -> None:
        """Join the user's doorbell and the session's close group. With the channel
        layer's Redis down the socket still opens and lives on the process's poll, which
        tries the join again each round."""
        assert self.session is not None
        try:
            for group in (user_group(self.session.user_id), auth_session_group(self.session.pk)):
                await self.channel_layer.group_add(group, self.channel_name)
                if group not in self.groups:
                    self.groups.append(group)  # left again in websocket_disconnect
        except REDIS_DOWN as error:
            self.joined = False
            logger.warning("socket without doorbells until Redis is back: %s", error)
        else:
            self.joined = True

    async def stream_wake(self, message: dict[str, Any]) -> None:
        """The doorbell: an event was appended to this user's stream."""
        if self.session is None:
            return
        text = message.get("event")
        if isinstance(text, str) and message.get("event_type") not in READ_FROM_LOG:
            async with self.lock:
                if self.closed or message["id"] <= self.cursor:
                    return  # closed, or already sent from the log
                if message["after"] == self.cursor:
                    if self.first_after is None:
                        self.first_after = self.cursor
                    # The stored text as it is: no decoding and encoding per socket.
                    frame = f'{{"type":"event","id":{message["id"]},"event":{text}}}'
                    await self.send(text_data=frame)
                    self.cursor = message["id"]
                    return
        await self._read_log()

    async def session_close(self, message: dict[str, Any]) -> None:
        """The socket's sign-in session ended (revoked, signed out, user blocked)."""
        reason = message.get("reason", "")
        await self._fail(TokenRevoked(reason=reason), message.get("code", CLOSE_UNAUTHENTICATED))

    async def _read_log(self) -> None:
        """Send every event after the cursor, in id order."""
        assert self.session is not None
        async with self.lock:
            recheck_policy = False
            while not self.closed:
                batch = await database_sync_to_async(selectors.events_after)(
                    user_id=self.session.user_id, after=self.cursor, limit=BATCH_SIZE
                )
                if batch.pruned_through is not None and batch.pruned_through > self.cursor:
                    # Events this socket still owed were pruned while it caught up.
                    await self._send_frame({"type": "resync_required"})
                    self.cursor = batch.pruned_through
                for event_id, payload in batch.events:
                    if self._is_for_this_device(payload):
                        if self.first_after is None:
                            self.first_after = self.cursor
                        await self._send_frame({"type": "event", "id": event_id, "event": payload})
                        if payload.get("type") == "device":
                            await database_sync_to_async(command_delivered)(payload)
                    self.cursor = event_id
                    recheck_policy |= payload.get("type") == "policy"
                if len(batch.events) < BATCH_SIZE:
                    break
        if recheck_policy and not self.closed:
            await self._recheck(policy=True)

    def _is_for_this_device(self, payload: dict[str, Any]) -> bool:
        """A remote command is for one device: the user's other devices' sockets skip it."""
        assert self.session is not None
        if payload.get("type") == "device" and payload.get("op") == "command":
            return payload.get("device_id") == str(self.session.device_id)
        return True

    async def poll_result(self, *, ended: PortalError | None, head: int) -> None:
        """What the process's poll found for this socket: its session ended, or its stream
        has events it was not rung for."""
        if ended is not None:
            await self._fail(ended, CLOSE_UNAUTHENTICATED)
            return
        if not self.joined and not self.closed:
            await self.join_groups()
        if head > self.cursor and not self.closed:
            await self._read_log()

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
        if isinstance(error, ServiceUnavailable):
            return CLOSE_SERVICE_UNAVAILABLE
        return CLOSE_DEVICE_REFUSED if isinstance(error, DeviceRefused) else CLOSE_UNAUTHENTICATED

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        if not self.closed:
            await self.send(text_data=_frame_text(frame))

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


@dataclass(frozen=True)
class _PollState:
    ended: dict[Any, PortalError]
    heads: dict[Any, int]


def _poll_state(sockets: list[tuple[Any, Any, str, str]]) -> _PollState:
    """For (session id, user id, channel name, presence state) of each socket: the sessions
    that ended, the users' stream heads; renews the presence of the others."""
    from messaging.services import presence_renew

    ended = sessions_ended({session_id for session_id, _, _, _ in sockets})
    heads = selectors.stream_heads({user_id for _, user_id, _, _ in sockets})
    presence_renew(
        connections=[
            (user_id, channel, state)
            for session_id, user_id, channel, state in sockets
            if session_id not in ended
        ]
    )
    return _PollState(ended=ended, heads=heads)


class _Poller:
    """The poll of one process: every POLL_SECONDS, one query re-checks the sessions of all
    its sockets and one reads their users' stream heads; sockets whose session ended are
    closed, sockets behind their head read the log, and everyone's presence is renewed."""

    def __init__(self) -> None:
        self.sockets: set[EventStreamConsumer] = set()
        self.task: asyncio.Task[None] | None = None

    def add(self, socket: EventStreamConsumer) -> None:
        self.sockets.add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())

    def discard(self, socket: EventStreamConsumer) -> None:
        self.sockets.discard(socket)

    async def _run(self) -> None:
        while self.sockets:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.poll()
            except DATABASE_DOWN as error:
                logger.warning("poll of the websockets' streams: database unavailable (%s)", error)
            except Exception:
                logger.exception("poll of the websockets' streams failed")

    async def poll(self) -> None:
        sockets = [
            (socket, socket.session)
            for socket in self.sockets
            if socket.session is not None and not socket.closed
        ]
        if not sockets:
            return
        state = await database_sync_to_async(_poll_state)(
            [
                (session.pk, session.user_id, s.channel_name, s.presence_state)
                for s, session in sockets
            ]
        )
        results = await asyncio.gather(
            *(
                socket.poll_result(
                    ended=state.ended.get(session.pk), head=state.heads.get(session.user_id, 0)
                )
                for socket, session in sockets
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, Exception):  # one socket's failure is not the others'
                logger.error("poll of a websocket failed", exc_info=result)


_pollers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Poller] = (
    weakref.WeakKeyDictionary()
)


def _poller() -> _Poller:
    loop = asyncio.get_running_loop()
    if loop not in _pollers:
        _pollers[loop] = _Poller()
    return _pollers[loop]
