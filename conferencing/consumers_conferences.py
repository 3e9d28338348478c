"""The guest socket, ``/ws/conferences/guest/``: what a guest learns while in a meeting.

Guests are not users and have no event stream, so this socket sends a snapshot instead of
events: ``conference.guest`` — the conference (as guests see it), the guest's own row,
those joined and the media to connect to once admitted — at once, and again whenever the
conference changes (a doorbell on the channel layer, rung after commit by
services/conferences.py) or, in case a bell was lost, when the poll finds it changed.
The snapshot is read from PostgreSQL each time, so a lost bell delays, never loses, a
change. When the pass stops working (the guest left or was removed, the meeting ended,
the pass expired) the last snapshot goes out and the socket closes with 4401.

Authentication: ``Authorization: Bearer gst_…`` on the handshake, or (browsers) a first
frame ``{"type": "auth", "token": "gst_…"}`` within WEBSOCKET_AUTH_TIMEOUT seconds. The
socket takes one other frame, ``conference.signal`` (an admitted guest's mesh signalling,
conferencing/signalling_conferences.py: refusals are error frames, the socket stays
open), and relays the signals addressed to this guest; ``ping`` is answered with ``pong``.
A message over 64 KB closes the socket with 4413, as on the event socket.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from rest_framework.exceptions import ParseError

from conferencing import signalling_conferences as mesh
from conferencing.events_conferences import (
    conference_payload,
    guests_group,
    participant_payload,
)
from conferencing.exceptions_conferences import GuestTokenInvalid
from conferencing.models import Participant
from conferencing.selectors_conferences import participants_in
from conferencing.services import guest_authenticate
from conferencing.services.conferences_guests import pass_valid
from conferencing.services.conferences_media import media_of
from conferencing.signalling import signal_allow, signal_parse
from portal.api.parsers import InvalidCharacters, check_document
from portal.errors import PortalError
from portal.realtime.consumers import CLOSE_TOO_LARGE, MAX_FRAME_BYTES
from portal.realtime.exceptions import (
    AuthTimeout,
    FrameTooLarge,
    MalformedFrame,
    UnknownFrameType,
)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_AUTH_TIMEOUT = 4408
MAX_LISTED = 500


def guest_snapshot(participant_id: Any) -> tuple[dict[str, Any], bool]:
    """The ``conference.guest`` frame of this guest now, and whether their pass still
    works (the same rule as guest_authenticate)."""
    guest = Participant.objects.select_related("conference").get(pk=participant_id)
    conference = guest.conference
    joined = guest.state == Participant.State.JOINED
    frame = {
        "type": "conference.guest",
        "conference": conference_payload(conference, for_guest=True),
        "participant": participant_payload(guest),
        "participants": [
            participant_payload(p, for_guest=True)
            for p in participants_in(conference, lobby=False)[:MAX_LISTED]
        ]
        if joined
        else [],
        "media": media_of(conference, guest) if joined else None,
    }
    return frame, pass_valid(guest)


class ConferenceGuestConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.guest: Participant | None = None
        self.guest_id: Any = None
        self.groups_joined: list[str] = []
        # The socket's own values (the signalling rate limit's bucket).
        self.state: dict[str, Any] = {}
        self.last: str | None = None
        self.closed = False
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []
        await self.accept()
        headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in self.scope["headers"]}
        scheme, _, raw = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and raw.strip():
            await self._authenticate(raw.strip())
        else:
            self.tasks.append(asyncio.create_task(self._auth_deadline()))

    async def disconnect(self, code: int) -> None:
        self.closed = True
        for task in self.tasks:
            task.cancel()
        if self.channel_layer is not None:
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closed:
            return
        if text_data is not None and len(text_data.encode()) > MAX_FRAME_BYTES:
            await self._fail(FrameTooLarge(max_bytes=MAX_FRAME_BYTES), CLOSE_TOO_LARGE)
            return
        try:
            if text_data is None:
                raise ValueError
            frame = json.loads(text_data)
            check_document(frame)  # as on the event socket: nesting, NUL, lone surrogates
        except (ValueError, RecursionError, ParseError, InvalidCharacters):
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._fail(MalformedFrame(), CLOSE_BAD_REQUEST)
        elif frame["type"] == "auth" and self.guest_id is None:
            token = frame.get("token")
            await self._authenticate(token if isinstance(token, str) else "")
        elif self.guest_id is None:
            await self._fail(GuestTokenInvalid(), CLOSE_UNAUTHENTICATED)
        elif frame["type"] == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
        elif frame["type"] == "conference.signal":
            await self._signal(frame)
        else:
            await self._send_error(UnknownFrameType(type=frame["type"][:100]))

    async def _authenticate(self, raw: str) -> None:
        for task in self.tasks:
            task.cancel()
        try:
            guest = await database_sync_to_async(guest_authenticate)(raw)
        except PortalError as error:
            await self._fail(error, CLOSE_UNAUTHENTICATED)
            return
        self.guest, self.guest_id = guest, guest.pk
        self.groups_joined = [guests_group(guest.conference_id), mesh.guest_group(guest.pk)]
        if self.channel_layer is not None:
            for group in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)
        await self._refresh()
        self.tasks = [asyncio.create_task(self._poll())]

    async def conference_changed(self, message: dict[str, Any]) -> None:
        """The doorbell: something in the conference changed."""
        await self._refresh()

    async def conference_signal(self, message: dict[str, Any]) -> None:
        """A signal from a peer, addressed to this guest."""
        if not self.closed:
            await self.send(text_data=json.dumps(message["frame"]))

    async def _signal(self, frame: dict[str, Any]) -> None:
        """The guest's own signal to a peer: rate limited first, then checked and relayed."""
        try:
            signal_allow(self.state)
            signal = signal_parse(frame, ids=mesh.SIGNAL_IDS)
            await database_sync_to_async(mesh.conference_signal)(
                actor=self.guest, session=None, conference_id=frame.get("conference_id"),
                to=frame.get("to"), signal=signal,
            )  # fmt: skip
        except PortalError as error:
            await self._send_error(error)

    async def _refresh(self) -> None:
        """Send the snapshot if it changed since the last one; close once the pass is over."""
        async with self.lock:
            if self.closed:
                return
            frame, valid = await database_sync_to_async(guest_snapshot)(self.guest_id)
            text = json.dumps(frame, sort_keys=True)
            if text != self.last:
                self.last = text
                await self.send(text_data=text)
            if not valid:
                self.closed = True
                await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _poll(self) -> None:
        while not self.closed:
            await asyncio.sleep(settings.WEBSOCKET_POLL_SECONDS)
            await self._refresh()

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(settings.WEBSOCKET_AUTH_TIMEOUT)
        if self.guest_id is None and not self.closed:
            await self._fail(AuthTimeout(), CLOSE_AUTH_TIMEOUT)

    async def _send_error(self, error: PortalError) -> None:
        await self.send(text_data=json.dumps({"type": "error", **error.as_dict()}))

    async def _fail(self, error: PortalError, code: int) -> None:
        if self.closed:
            return
        await self._send_error(error)
        self.closed = True
        await self.close(code=code)
