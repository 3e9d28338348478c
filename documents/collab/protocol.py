"""The y-websocket wire format (y-protocols), parsed strictly (docs/collab.md, "Protocol").

Every websocket message is binary: a varUint message type, then its body.

- 0 sync: a varUint sync type, then one varUint8Array — 0 step 1 (a state vector),
  1 step 2 (an update: what the receiver lacks), 2 update (a live change);
- 1 awareness: one varUint8Array holding an awareness update: varUint count, then per
  client varUint client id, varUint clock, varString state (JSON, ``null`` when gone);
- 2 auth: varUint 0 (permission denied), varString reason — sent by the server only;
- 3 query awareness: no body — the sender asks for every awareness state.

Anything else — an unknown type, a truncated or over-long varUint, bytes left over, an
awareness state that is not JSON — raises :class:`ProtocolError`. Whether a Yjs update can
be applied is the room's business (pycrdt decodes it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

AUTH_PERMISSION_DENIED = 0

# lib0 writes numbers up to 2**53 - 1 (JavaScript's safe integers): 8 bytes of 7 bits.
_MAX_VARUINT_BYTES = 8
# An empty Yjs update (no structs, empty delete set): what a client with nothing new sends.
EMPTY_UPDATE = b"\x00\x00"


class ProtocolError(ValueError):
    """The bytes are not a y-websocket message this server takes."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def var_uint(self) -> int:
        value = 0
        for index in range(_MAX_VARUINT_BYTES):
            if self.pos >= len(self.data):
                raise ProtocolError("truncated varUint")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << (7 * index)
            if byte < 0x80:
                return value
        raise ProtocolError("varUint too long")

    def var_bytes(self) -> bytes:
        length = self.var_uint()
        end = self.pos + length
        if end > len(self.data):
            raise ProtocolError("truncated byte array")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def var_string(self) -> str:
        try:
            return self.var_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("string is not UTF-8") from None

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolError("bytes after the end of the message")


def var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def var_string(text: str) -> bytes:
    return var_bytes(text.encode("utf-8"))


@dataclass(frozen=True)
class Sync:
    """A sync message: ``kind`` is SYNC_STEP1 (``payload`` a state vector), SYNC_STEP2 or
    SYNC_UPDATE (``payload`` a Yjs update)."""

    kind: int
    payload: bytes


@dataclass(frozen=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: str  # the JSON text as sent; "null" when the client is gone

    @property
    def removed(self) -> bool:
        return self.state == "null"


@dataclass(frozen=True)
class Awareness:
    """An awareness update (``raw`` as sent, to relay unchanged) and its entries."""

    raw: bytes
    entries: tuple[AwarenessEntry, ...]


@dataclass(frozen=True)
class QueryAwareness:
    pass


Message = Sync | Awareness | QueryAwareness


def parse_awareness_update(raw: bytes, *, max_entries: int = 1000) -> Awareness:
    reader = _Reader(raw)
    count = reader.var_uint()
    if count > max_entries:
        raise ProtocolError("too many awareness entries")
    entries = []
    for _ in range(count):
        client_id = reader.var_uint()
        clock = reader.var_uint()
        state = reader.var_string()
        try:
            json.loads(state)
        except ValueError:
            raise ProtocolError("awareness state is not JSON") from None
        entries.append(AwarenessEntry(client_id, clock, state))
    reader.end()
    return Awareness(raw, tuple(entries))


def parse(data: bytes) -> Message:
    """One client message, or :class:`ProtocolError`."""
    reader = _Reader(data)
    kind = reader.var_uint()
    message: Message
    if kind == MESSAGE_SYNC:
        sync_kind = reader.var_uint()
        if sync_kind not in (SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE):
            raise ProtocolError("unknown sync message type")
        message = Sync(sync_kind, reader.var_bytes())
    elif kind == MESSAGE_AWARENESS:
        message = parse_awareness_update(reader.var_bytes())
    elif kind == MESSAGE_QUERY_AWARENESS:
        message = QueryAwareness()
    else:
        raise ProtocolError("unknown message type")
    reader.end()
    return message


def sync_step1(state_vector: bytes) -> bytes:
    return var_uint(MESSAGE_SYNC) + var_uint(SYNC_STEP1) + var_bytes(state_vector)


def sync_step2(update: bytes) -> bytes:
    return var_uint(MESSAGE_SYNC) + var_uint(SYNC_STEP2) + var_bytes(update)


def sync_update(update: bytes) -> bytes:
    return var_uint(MESSAGE_SYNC) + var_uint(SYNC_UPDATE) + var_bytes(update)


def awareness(update: bytes) -> bytes:
    return var_uint(MESSAGE_AWARENESS) + var_bytes(update)


def awareness_update(entries: list[AwarenessEntry]) -> bytes:
    """An awareness update carrying these entries (the body of an awareness message)."""
    out = bytearray(var_uint(len(entries)))
    for entry in entries:
        out += var_uint(entry.client_id) + var_uint(entry.clock) + var_string(entry.state)
    return bytes(out)


def permission_denied(reason: str) -> bytes:
    """y-protocols' auth message: the client logs "Permission denied" with the reason."""
    return var_uint(MESSAGE_AUTH) + var_uint(AUTH_PERMISSION_DENIED) + var_string(reason)


@dataclass(frozen=True)
class Denied:
    """The server's auth message: a permission was denied, for ``reason``."""

    reason: str


def parse_server(data: bytes) -> Message | Denied:
    """A message the server sends (for clients: the tests and the benchmark)."""
    reader = _Reader(data)
    if reader.var_uint() == MESSAGE_AUTH:
        if reader.var_uint() != AUTH_PERMISSION_DENIED:
            raise ProtocolError("unknown auth message")
        denied = Denied(reader.var_string())
        reader.end()
        return denied
    return parse(data)
