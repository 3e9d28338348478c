"""The room of a document in this process: one pycrdt Doc shared by the document's sockets
here (docs/collab.md, "Rooms").

A room is opened by its first socket and loads the document (store.load); it joins the
channel layer group ``ydoc.<id>`` first, so nothing relayed meanwhile is missed. Every
change is applied to the room's Doc at once — which is also the check that pycrdt can
decode it —, then appended to the log (group commit: what arrives while one INSERT runs
goes into the next), and only once stored sent to the other sockets here and relayed to
the other processes. If the log cannot be written the room closes all its sockets (4503)
and is dropped, so a room never holds what is not stored.

Every RECHECK_SECONDS the room re-checks its sockets (session, role: a share revoked or a
membership ended closes them, a role lowered to viewer makes them read-only) and reads
what the log has that no relay brought. ``ydoc.access`` makes it re-check at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from typing import Any, Protocol

import pycrdt
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from documents.collab import access, protocol, relay, store
from documents.models import Role
from documents.selectors import has_role
from portal.errors import PortalError

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 30.0
# A room with no socket stays open this long (a reload, a reconnect) before it is dropped.
IDLE_SECONDS = 10.0
# Awareness states not renewed for this long are not handed to new sockets (y-protocols'
# outdated timeout: clients renew theirs every 15 s).
AWARENESS_TIMEOUT_SECONDS = 30.0
# Check the log's size for compaction after this many appends.
COMPACT_CHECK_EVERY = 100
# Updates applied but not yet stored, past which a socket's next update waits for them.
MAX_UNSTORED = 1000
# The seqs of updates this room has applied, to skip them when catching up.
_SEEN_LIMIT = 10_000

READ_ONLY_REASON = "read_only"


class Peer(Protocol):
    """What a room needs of a socket."""

    user_id: Any
    session_id: Any
    ip: str | None
    role: str
    told_read_only: bool

    def deliver(self, data: bytes) -> None:
        """Queue one binary message for the socket (never blocks)."""

    async def shut(self, code: int, reason: str) -> None:
        """Close the socket with this code."""


def can_write(peer: Peer) -> bool:
    return has_role(peer.role, Role.EDITOR)


class Room:
    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        self.doc: pycrdt.Doc = pycrdt.Doc()
        self.peers: set[Peer] = set()
        self.origin = uuid.uuid4().hex
        # client id -> (entry, when it was last renewed (monotonic), the local peer or None)
        self.awareness: dict[int, tuple[protocol.AwarenessEntry, float, Peer | None]] = {}
        self._seen: set[int] = set()
        self._seen_order: deque[int] = deque()
        # catch_up reads the log after _watermark: the highest seq seen one round earlier,
        # so a row committed late with a lower seq than one already seen is still found.
        self._watermark = 0
        self._previous_max = 0
        self._next_watermark = 0
        self.snapshot_number = 0
        self._appends = 0
        self._unstored: list[tuple[Peer, bytes, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._channel: str | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._idle: asyncio.TimerHandle | None = None
        self._recheck_now = asyncio.Event()
        self.closed = False

    # --- life ------------------------------------------------------------------------

    async def start(self) -> None:
        layer = get_channel_layer()
        if layer is not None:
            self._channel = await layer.new_channel("ydoc.")
            await layer.group_add(relay.group(self.document_id), self._channel)
            self._tasks.append(asyncio.create_task(self._receive_relays(layer)))
        loaded = await database_sync_to_async(store.load)(self.document_id)
        self.doc.apply_update(loaded.update)
        self.snapshot_number = loaded.snapshot_number
        self._watermark = self._previous_max = self._next_watermark = loaded.last_seq
        self._tasks.append(asyncio.create_task(self._timer()))
        # The other processes' rooms answer with their sockets' cursors and names.
        await self._relay({"type": relay.QUERY_AWARENESS})

    async def stop(self, *, code: int | None = None, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        if _rooms.get(self.document_id) is self:
            del _rooms[self.document_id]
        if self._idle is not None:
            self._idle.cancel()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        layer = get_channel_layer()
        if layer is not None and self._channel is not None:
            try:
                await layer.group_discard(relay.group(self.document_id), self._channel)
            except Exception:  # Redis down: the subscription goes with the process
                logger.warning("room %s: could not leave its group", self.document_id)
        if code is not None:
            for peer in list(self.peers):
                await peer.shut(code, reason)
        self.peers.clear()

    def add(self, peer: Peer) -> None:
        """Let a socket in: it gets the room's state vector (sync step 1, to which it
        answers with what the room lacks) and every current awareness state."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self.peers.add(peer)
        peer.deliver(protocol.sync_step1(self.doc.get_state()))
        states = self._awareness_entries()
        if states:
            peer.deliver(protocol.awareness(protocol.awareness_update(states)))
        if not can_write(peer):
            self._tell_read_only(peer)

    async def remove(self, peer: Peer) -> None:
        """A socket left: its awareness states are removed (for everyone, everywhere)."""
        self.peers.discard(peer)
        gone = [
            protocol.AwarenessEntry(client_id, entry.clock + 1, "null")
            for client_id, (entry, _at, owner) in self.awareness.items()
            if owner is peer
        ]
        for entry in gone:
            del self.awareness[entry.client_id]
        if gone:
            update = protocol.awareness_update(gone)
            self._broadcast(protocol.awareness(update))
            await self._relay({"type": relay.AWARENESS, "data": update})
        if not self.peers and not self.closed:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(
                IDLE_SECONDS, lambda: asyncio.ensure_future(self._stop_if_idle())
            )

    async def _stop_if_idle(self) -> None:
        if not self.peers:
            await self.stop()

    # --- messages from sockets -----------------------------------------------------------

    async def handle(self, peer: Peer, message: protocol.Message) -> None:
        """One message of a socket. Raises ProtocolError for one the room cannot take (the
        socket is then closed; the room and its Doc are as before)."""
        if isinstance(message, protocol.Sync):
            if message.kind == protocol.SYNC_STEP1:
                try:
                    update = self.doc.get_update(message.payload)
                except ValueError:
                    raise protocol.ProtocolError("bad state vector") from None
                peer.deliver(protocol.sync_step2(update))
            else:
                await self._take_update(peer, message.payload)
        elif isinstance(message, protocol.Awareness):
            await self._take_awareness(peer, message)
        else:  # query awareness
            states = self._awareness_entries()
            peer.deliver(protocol.awareness(protocol.awareness_update(states)))

    def _tell_read_only(self, peer: Peer) -> None:
        if not peer.told_read_only:
            peer.told_read_only = True
            peer.deliver(protocol.permission_denied(READ_ONLY_REASON))

    async def _take_update(self, peer: Peer, update: bytes) -> None:
        if update == protocol.EMPTY_UPDATE:
            return
        if not can_write(peer):
            # Viewers and commenters see changes but make none: dropped, said once.
            self._tell_read_only(peer)
            return
        if self.closed:
            return
        # Applying is synchronous: no other task sees the Doc between these lines.
        try:
            self.doc.apply_update(update)
        except ValueError:
            raise protocol.ProtocolError("the update cannot be applied") from None
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unstored.append((peer, update, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._store_and_send())
        if len(self._unstored) > MAX_UNSTORED:
            await stored  # a socket that sends faster than the log takes waits

    async def _store_and_send(self) -> None:
        """Group commit: every update that arrived while the previous batch was being
        written goes into the log in one INSERT, then out to the other sockets and
        processes. Nothing is sent before it is stored."""
        while self._unstored and not self.closed:
            batch, self._unstored = self._unstored, []
            try:
                seqs = await database_sync_to_async(store.append_many)(
                    self.document_id, [(peer.user_id, update) for peer, update, _f in batch]
                )
            except Exception:
                logger.exception("room %s: updates could not be stored", self.document_id)
                for *_rest, stored in batch:
                    stored.cancel()
                await self.stop(code=access.CLOSE_UNAVAILABLE, reason="service_unavailable")
                return
            for (peer, update, stored), seq in zip(batch, seqs, strict=True):
                self._remember(seq)
                self._broadcast(protocol.sync_update(update), skip=peer)
                stored.set_result(None)
            updates = [[seq, update] for seq, (_p, update, _f) in zip(seqs, batch, strict=True)]
            await self._relay({"type": relay.UPDATE, "updates": updates})
            before, self._appends = self._appends, self._appends + len(batch)
            if before // COMPACT_CHECK_EVERY != self._appends // COMPACT_CHECK_EVERY:
                self._tasks.append(asyncio.create_task(self._compact_if_needed()))

    async def _take_awareness(self, peer: Peer, message: protocol.Awareness) -> None:
        # A socket speaks for the clients it introduced. y-websocket's provider also sends
        # back every state it hears of: those entries (and any attempt to change another
        # socket's state) are dropped.
        own = tuple(
            entry
            for entry in message.entries
            if (known := self.awareness.get(entry.client_id)) is None or known[2] is peer
        )
        if not own:
            return
        self._apply_awareness(own, owner=peer)
        update = (
            message.raw
            if len(own) == len(message.entries)
            else protocol.awareness_update(list(own))
        )
        # Back to the sender too: y-websocket's provider counts its own renewals as a sign
        # of life, and reconnects after 30 s of silence.
        self._broadcast(protocol.awareness(update))
        await self._relay({"type": relay.AWARENESS, "data": update})

    def _apply_awareness(
        self, entries: tuple[protocol.AwarenessEntry, ...], *, owner: Peer | None
    ) -> None:
        now = time.monotonic()
        for entry in entries:
            known = self.awareness.get(entry.client_id)
            if known is not None and known[0].clock > entry.clock:
                continue
            if entry.removed:
                self.awareness.pop(entry.client_id, None)
            else:
                self.awareness[entry.client_id] = (entry, now, owner)

    def _awareness_entries(self) -> list[protocol.AwarenessEntry]:
        fresh = time.monotonic() - AWARENESS_TIMEOUT_SECONDS
        return [entry for entry, at, _owner in self.awareness.values() if at >= fresh]

    # --- out ---------------------------------------------------------------------------

    def _broadcast(self, data: bytes, *, skip: Peer | None = None) -> None:
        for peer in self.peers:
            if peer is not skip:
                peer.deliver(data)

    async def _relay(self, message: dict[str, Any]) -> None:
        try:
            await relay.send(self.document_id, {**message, "origin": self.origin})
        except Exception:  # the other processes catch up from the log on their timer
            logger.warning("room %s: relay failed", self.document_id, exc_info=True)

    def _remember(self, seq: int) -> None:
        self._seen.add(seq)
        self._seen_order.append(seq)
        self._next_watermark = max(self._next_watermark, seq)
        while len(self._seen_order) > _SEEN_LIMIT:
            self._seen.discard(self._seen_order.popleft())

    # --- from other processes ------------------------------------------------------------

    async def _receive_relays(self, layer: Any) -> None:
        assert self._channel is not None
        while not self.closed:
            try:
                message = await layer.receive(self._channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("room %s: relay receive failed", self.document_id, exc_info=True)
                await asyncio.sleep(1)
                continue
            try:
                await self._on_relay(message)
            except Exception:
                logger.exception("room %s: bad relay message", self.document_id)

    async def _on_relay(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == relay.ACCESS:
            self._recheck_now.set()
            return
        if message.get("origin") == self.origin:
            return
        if kind == relay.QUERY_AWARENESS:
            mine = [entry for entry, _at, owner in self.awareness.values() if owner is not None]
            if mine:
                data = protocol.awareness_update(mine)
                await self._relay({"type": relay.AWARENESS, "data": data})
        elif kind == relay.UPDATE:
            for seq, data in message["updates"]:
                if int(seq) in self._seen:
                    continue
                self.doc.apply_update(data)
                self._remember(int(seq))
                self._broadcast(protocol.sync_update(data))
        elif kind == relay.AWARENESS:
            parsed = protocol.parse_awareness_update(message["data"])
            self._apply_awareness(parsed.entries, owner=None)
            self._broadcast(protocol.awareness(message["data"]))

    # --- the timer -----------------------------------------------------------------------

    async def _timer(self) -> None:
        while not self.closed:
            try:
                await asyncio.wait_for(self._recheck_now.wait(), RECHECK_SECONDS)
            except TimeoutError:
                await self.catch_up()
            self._recheck_now.clear()
            self._forget_stale_awareness()
            await self.recheck()

    def _forget_stale_awareness(self) -> None:
        # States of other processes' sockets whose removal was never relayed (a process
        # that died): clients drop them after 30 s; so does the room, a little later.
        stale = time.monotonic() - 2 * AWARENESS_TIMEOUT_SECONDS
        for client_id, (_entry, at, owner) in list(self.awareness.items()):
            if owner is None and at < stale:
                del self.awareness[client_id]

    async def recheck(self) -> None:
        """Re-check every socket's session and role: close those that lost access, make
        read-only those no longer editors (and writable those now editors)."""
        peers = list(self.peers)
        if not peers:
            return
        verdicts = await database_sync_to_async(_recheck_all)(self.document_id, peers)
        for peer, verdict in zip(peers, verdicts, strict=True):
            if isinstance(verdict, PortalError):
                self.peers.discard(peer)
                await self.remove(peer)
                await peer.shut(access.close_code(verdict), verdict.code)
            else:
                was_writer = can_write(peer)
                peer.role = verdict
                if was_writer and not can_write(peer):
                    peer.told_read_only = False
                    self._tell_read_only(peer)

    async def catch_up(self) -> None:
        """Apply what the log has that no relay brought (a lost relay, Redis away)."""
        try:
            rows, number = await database_sync_to_async(store.updates_after)(
                self.document_id, self._watermark
            )
            loaded = None
            if number != self.snapshot_number:
                loaded = await database_sync_to_async(store.load)(self.document_id)
        except Exception:
            logger.warning("room %s: catching up failed", self.document_id, exc_info=True)
            return
        # From here on nothing awaits: no other task sees the Doc half caught up.
        if loaded is not None:
            self.doc.apply_update(loaded.update)
            self.snapshot_number = loaded.snapshot_number
            self._broadcast(protocol.sync_update(loaded.update))
        for seq, data in rows:
            if seq not in self._seen:
                self.doc.apply_update(data)
                self._remember(seq)
                self._broadcast(protocol.sync_update(data))
        self._watermark, self._previous_max = self._previous_max, self._next_watermark

    async def _compact_if_needed(self) -> None:
        try:
            if await database_sync_to_async(store.needs_compaction)(self.document_id):
                await database_sync_to_async(store.compact)(self.document_id)
        except Exception:
            logger.warning("room %s: compaction failed", self.document_id, exc_info=True)


def _recheck_all(document_id: str, peers: list[Peer]) -> list[str | PortalError]:
    verdicts: list[str | PortalError] = []
    for peer in peers:
        try:
            verdicts.append(
                access.recheck(session_id=peer.session_id, document_id=document_id, ip=peer.ip)
            )
        except PortalError as error:
            verdicts.append(error)
    return verdicts


# --- the rooms of this process ----------------------------------------------------------

_rooms: dict[str, Room] = {}
_opening: dict[str, asyncio.Future[Room]] = {}


async def join(document_id: Any, peer: Peer) -> Room:
    """The document's room in this process (opened and loaded on first use), with
    ``peer`` in it."""
    key = str(document_id)
    room = _rooms.get(key)
    if room is None or room.closed:
        pending = _opening.get(key)
        if pending is None:
            future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
            _opening[key] = future
            room = Room(key)
            try:
                await room.start()
            except BaseException as error:
                await room.stop()
                future.set_exception(error)
                future.exception()  # retrieved: the waiters re-raise it
                raise
            finally:
                del _opening[key]
            _rooms[key] = room
            future.set_result(room)
        else:
            room = await pending
    room.add(peer)
    return room


def room_of(document_id: Any) -> Room | None:
    return _rooms.get(str(document_id))
