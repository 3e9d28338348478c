"""The editing socket ``/ws/documents/<id>/``: y-websocket's protocol, adapted to a room
(docs/collab.md). This consumer signs the socket in, checks access, parses each message
and hands it to the document's room; it owns no document state."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from documents.collab import access, protocol, rooms
from documents.collab.ratelimit import socket_bucket
from portal.errors import PortalError
from portal.realtime.hub import hub
from portal.realtime.middleware import SCOPE_KEY, HandshakeAuth, socket_ip

logger = logging.getLogger(__name__)

# A message larger than this is refused with 4413 (when the server's own limit lets it
# through: `python -m portal.server --websocket-max-message-size`, docs/collab.md).
MAX_MESSAGE_BYTES = 1024 * 1024
# Messages queued for a socket that does not read; past this it is closed with 4429.
MAX_OUTBOX_MESSAGES = 10_000


class DocumentEditConsumer(AsyncWebsocketConsumer):
    """One editor's (or viewer's) socket on one rich-text document."""

    user_id: Any = None
    session_id: Any = None
    ip: str | None = None
    role: str = ""
    told_read_only = False
    in_hub = False
    slow_close: asyncio.Future[None] | None = None

    async def connect(self) -> None:
        self.room: rooms.Room | None = None
        self.closing = False
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None
        # Accepted before any check: only an open socket can carry a close code.
        await self.accept()
        document_id = self.scope["url_route"]["kwargs"]["document_id"]
        auth: HandshakeAuth = self.scope.get(SCOPE_KEY) or HandshakeAuth()
        self.ip = socket_ip(self.scope)
        try:
            if auth.error is not None:
                raise auth.error
            tickets = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
            granted = await database_sync_to_async(access.admit_socket)(
                session=auth.session,
                ticket=(tickets.get("ticket") or [None])[0],
                document_id=document_id,
                ip=self.ip,
            )
        except PortalError as error:
            await self.shut(access.close_code(error), error.code)
            return
        self.user_id, self.session_id, self.role = (
            granted.user_id,
            granted.session_id,
            granted.role,
        )
        self.bucket = socket_bucket()
        self.writer = asyncio.create_task(self._write())
        # Security events of the sign-in session (sign-out, revocation, a blocked user, a
        # wiped device) reach the socket at once through the gateway's bells.
        await hub().add(self, user_id=str(self.user_id), session_id=str(self.session_id))
        self.in_hub = True
        try:
            self.room = await rooms.join(document_id, self)
        except Exception:
            logger.exception("document %s: the room could not be opened", document_id)
            await self.shut(access.CLOSE_UNAVAILABLE, "service_unavailable")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing or self.room is None:
            return
        if bytes_data is None:
            await self.shut(access.CLOSE_MALFORMED, "binary_messages_only")
            return
        if len(bytes_data) > MAX_MESSAGE_BYTES:
            await self.shut(access.CLOSE_TOO_LARGE, "message_too_large")
            return
        if not self.bucket.take():
            # A flood: closed before it costs the room anything (the others go on).
            logger.info("document %s: socket of %s flooding, closed", self.room.document_id,
                        self.user_id)  # fmt: skip
            await self.shut(access.CLOSE_TRAFFIC, "too_many_messages")
            return
        try:
            await self.room.handle(self, protocol.parse(bytes_data))
        except protocol.ProtocolError as error:
            logger.info("document %s: malformed message (%s)", self.room.document_id, error)
            await self.shut(access.CLOSE_MALFORMED, "malformed_message")

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.in_hub:
            self.in_hub = False
            hub().remove(
                self, user_id=str(self.user_id), session_id=str(self.session_id), topics=()
            )
        if self.writer is not None:
            self.writer.cancel()
        if self.room is not None:
            await self.room.remove(self)
            self.room = None

    # --- what the room calls ---------------------------------------------------------

    def deliver(self, data: bytes) -> None:
        if self.closing:
            return
        if self.outbox.qsize() >= MAX_OUTBOX_MESSAGES:
            self.slow_close = asyncio.ensure_future(self.shut(access.CLOSE_TRAFFIC, "too_slow"))
            return
        self.outbox.put_nowait(data)

    async def shut(self, code: int, reason: str) -> None:
        """Close with ``code``; the socket leaves its room at once (its later messages are
        ignored). The error code goes first in y-protocols' permission-denied message:
        daphne sends close frames without a reason."""
        if self.closing:
            return
        self.closing = True
        room, self.room = self.room, None
        if room is not None:
            await room.remove(self)
        if self.writer is not None:
            self.writer.cancel()
        await self.send(bytes_data=protocol.permission_denied(reason))
        await self.close(code=code, reason=reason)

    # --- what the gateway's hub calls (portal.realtime.hub.Socket) ----------------------

    async def session_closed(self, code: int, reason: str) -> None:
        await self.shut(code, "token_revoked")

    async def user_bell(self, event_id: int, after: int, event_type: str, text: str) -> None:
        """Events are for the ``/ws/`` socket; this one only listens for its session."""

    async def topic_bell(
        self, topic: str, event_id: int, after: int, event_type: str, text: str
    ) -> None:
        """Never followed here."""

    async def ephemeral_frame(self, frame: dict[str, Any]) -> None:
        """Typing and presence are for the ``/ws/`` socket."""

    async def _write(self) -> None:
        # One writer per socket: a slow client holds back only its own messages.
        while True:
            data = await self.outbox.get()
            await self.send(bytes_data=data)
