"""What the co-editing tests share: shares through the real services, and a
Python Yjs client (pycrdt over websockets) that speaks y-websocket as a browser does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import pycrdt
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from documents.collab import protocol
from documents.models import Document, DocumentShare
from documents.services.shares import share_add, share_revoke, share_update
from portal.accounts.models import User
from tests.helpers.live import LiveServer


def share(document: Document, user: User, role: str) -> DocumentShare:
    """The owner (its creator) shares the document with ``user`` (the real service)."""
    assert document.created_by is not None
    return share_add(
        actor=document.created_by, document_id=document.pk, grantee_kind="user",
        grantee_id=user.pk, role=role,
    )[0]  # fmt: skip


def unshare(row: DocumentShare, *, role: str | None = None) -> None:
    """The owner revokes a share (or, with ``role``, changes it): the real services, which
    send ``access_changed`` after commit."""
    owner = Document.objects.get(pk=row.document_id).created_by
    assert owner is not None
    if role is None:
        share_revoke(actor=owner, document_id=row.document_id, share_id=row.pk)
    else:
        share_update(actor=owner, document_id=row.document_id, share_id=row.pk, role=role)


def paragraphs(doc: pycrdt.Doc) -> list[str]:
    fragment = doc.get("default", type=pycrdt.XmlFragment)
    out = []
    for child in fragment.children:
        if isinstance(child, pycrdt.XmlElement):
            out.append("".join(str(c) for c in child.children if isinstance(c, pycrdt.XmlText)))
    return out


class YClient:
    """A y-websocket client holding a pycrdt Doc: it syncs on connect, applies what the
    server sends, sends its own changes, and records awareness and permission messages."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.doc: pycrdt.Doc = pycrdt.Doc()
        self.synced = asyncio.Event()
        self.denied: list[str] = []
        self.awareness: dict[int, str] = {}
        self.received_updates = 0
        self._remote = False
        self._outgoing: list[bytes] = []
        self.doc.observe(self._on_change)
        self._reader = asyncio.create_task(self._read())

    def _on_change(self, event: Any) -> None:
        if not self._remote:
            self._outgoing.append(event.update)

    async def flush(self) -> None:
        while self._outgoing:
            await self.conn.send(protocol.sync_update(self._outgoing.pop(0)))

    async def _read(self) -> None:
        with suppress(ConnectionClosed):
            async for raw in self.conn:
                assert isinstance(raw, bytes), raw
                message = protocol.parse_server(raw)
                await self._handle(message)

    async def _handle(self, message: Any) -> None:
        if isinstance(message, protocol.Sync):
            if message.kind == protocol.SYNC_STEP1:
                await self.conn.send(protocol.sync_step2(self.doc.get_update(message.payload)))
                return
            self._remote = True
            try:
                self.doc.apply_update(message.payload)
            finally:
                self._remote = False
            self.received_updates += 1
            if message.kind == protocol.SYNC_STEP2:
                self.synced.set()
        elif isinstance(message, protocol.Awareness):
            for entry in message.entries:
                self.awareness[entry.client_id] = entry.state
        elif isinstance(message, protocol.Denied):
            self.denied.append(message.reason)

    async def start(self) -> None:
        await self.conn.send(protocol.sync_step1(self.doc.get_state()))
        await asyncio.wait_for(self.synced.wait(), 10)

    # --- editing like TipTap: paragraphs of text in the fragment "default" --------------

    async def add_paragraph(self, text: str) -> None:
        fragment = self.doc.get("default", type=pycrdt.XmlFragment)
        fragment.children.append(pycrdt.XmlElement("paragraph", {}, [pycrdt.XmlText(text)]))
        await self.flush()

    async def type_into(self, index: int, text: str) -> None:
        """Append ``text`` to paragraph ``index`` (one update)."""
        fragment = self.doc.get("default", type=pycrdt.XmlFragment)
        node = fragment.children[index]
        assert isinstance(node, pycrdt.XmlElement)
        xml_text = node.children[0]
        assert isinstance(xml_text, pycrdt.XmlText)
        # pycrdt counts text positions in UTF-8 bytes (Yjs in browsers: UTF-16 units).
        xml_text.insert(len(str(xml_text).encode()), text)
        await self.flush()

    async def set_awareness(self, client_id: int, clock_: int, state: str) -> None:
        update = protocol.awareness_update([protocol.AwarenessEntry(client_id, clock_, state)])
        await self.conn.send(protocol.awareness(update))

    def paragraphs(self) -> list[str]:
        return paragraphs(self.doc)

    async def wait_until(self, check: Callable[[], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached within {timeout}s: {self.paragraphs()}")
            await asyncio.sleep(0.02)

    async def closed(self, timeout: float = 10) -> tuple[int | None, str | None]:
        """Wait for the server to close: its code, and the reason it sent before (in a
        permission-denied message; daphne's close frames carry none)."""
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        await asyncio.wait_for(self.conn.wait_closed(), 2)
        return self.conn.close_code, (self.denied[-1] if self.denied else None)


@asynccontextmanager
async def y_connect(
    server: LiveServer,
    document_id: Any,
    *,
    token: str | None = None,
    cookies: dict[str, str] | None = None,
    origin: str | None = None,
    sync: bool = True,
    **query: Any,
) -> AsyncIterator[YClient]:
    """A YClient on ``server``'s editing socket of the document, synced unless told not to."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    async with connect(
        server.ws_url(f"/ws/documents/{document_id}/", **query),
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        proxy=None,
        open_timeout=5,
        close_timeout=2,
        max_size=None,
    ) as conn:
        client = YClient(conn)
        try:
            if sync:
                await client.start()
            yield client
        finally:
            client._reader.cancel()
