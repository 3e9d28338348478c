"""The web and websocket server: daphne, except that a failed websocket gets a close frame.

    python -m portal.server [daphne's options] portal.asgi:application

It takes daphne's command line unchanged. The one difference: when a client sends a
message over ``--websocket-max-message-size`` (or a frame over
``--websocket-max-frame-size``), or breaks the websocket protocol, daphne leaves autobahn's
``failByDrop`` on, so autobahn drops the TCP connection and the client sees an abnormal
closure (1006) it cannot tell from a network failure. Here autobahn sends a close frame
with the reason's code instead: 1009 for a message too big, 1002 for a protocol error, 1007
for invalid UTF-8 (docs/realtime.md). None of the offending message reaches the
application, and the connection is dropped if the client has not answered the close within
autobahn's closing handshake timeout (1 s), so a client that never answers cannot hold the
socket open.

Each socket's outbound buffer is bounded too: daphne hands every frame to the TCP
transport, which buffers without limit for a client that stops reading (about 14 MB a
socket at 20 messages a second). Here the application's send waits while its socket holds
more than ``WEBSOCKET_MAX_BUFFER_BYTES`` unsent; a socket that drains nothing for
``WEBSOCKET_SLOW_SECONDS`` is closed with 4429 and its client resumes from its last event
id (docs/realtime.md). HTTP response bodies wait the same way (without the close): a
large download streams at the client's pace.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

logger = logging.getLogger(__name__)

# Close code for a socket that fell too far behind (docs/realtime.md).
CLOSE_TOO_SLOW = 4429
# Read here, before Django's settings exist: the unsent bytes one socket may hold, and how
# long it may stay over that without draining before it is closed.
MAX_BUFFER_BYTES = int(os.environ.get("WEBSOCKET_MAX_BUFFER_BYTES", str(4 * 1024 * 1024)))
SLOW_SECONDS = float(os.environ.get("WEBSOCKET_SLOW_SECONDS", "10"))
# After the close frame (queued behind the unsent bytes), how long a client has to read
# them and answer before the connection is dropped.
SLOW_CLOSE_TIMEOUT_SECONDS = 10
_DRAIN_CHECK_SECONDS = 0.05
# A download drains MAX_BUFFER_BYTES in ~10 ms on loopback: look again sooner than that.
_HTTP_DRAIN_CHECK_SECONDS = 0.002


def unsent_bytes(transport: Any) -> int:
    """Bytes a Twisted TCP transport still holds for the peer (abstract.FileDescriptor)."""
    buffered = len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
    return buffered + getattr(transport, "_tempDataLen", 0)


class PortalWebSocketProtocol(WebSocketProtocol):
    """daphne's protocol with a bound on the unsent bytes of one socket."""

    too_slow = False

    async def room_to_send(self) -> bool:
        """Wait while the socket holds more than MAX_BUFFER_BYTES unsent. A client that
        reads, however slowly, gets the next frame as soon as it has taken some; one that
        takes nothing for SLOW_SECONDS is closed with 4429 (and False returned)."""
        if self.too_slow:
            return False
        if unsent_bytes(self.transport) <= MAX_BUFFER_BYTES:
            return True  # nearly every frame: no clock read, no wait
        deadline = time.monotonic() + SLOW_SECONDS
        while unsent_bytes(self.transport) > MAX_BUFFER_BYTES:
            if self.state != self.STATE_OPEN:
                return False
            if time.monotonic() >= deadline:
                self.too_slow = True
                logger.warning("closing a websocket that stopped reading: %s", self.client_addr)
                self.closeHandshakeTimeout = SLOW_CLOSE_TIMEOUT_SECONDS
                self.serverClose(code=CLOSE_TOO_SLOW)
                return False
            await asyncio.sleep(_DRAIN_CHECK_SECONDS)
        return True


async def http_room_to_send(request: Any) -> None:
    """Wait while an HTTP response's connection holds more than MAX_BUFFER_BYTES unsent,
    and it is still open. A streamed body (a 1 GB download) is then read from storage no
    faster than the client takes it, instead of piling up in the transport (daphne writes
    each body message without waiting: a fast store and a slow client grew one process by
    the difference, ~120 MB for 256 MB in bench/documents_transfer.py)."""
    channel = getattr(request, "channel", None)
    transport = getattr(channel, "transport", None)
    if transport is None:
        return
    while unsent_bytes(transport) > MAX_BUFFER_BYTES:
        if getattr(request, "_disconnected", False) or getattr(request, "finished", False):
            return
        await asyncio.sleep(_HTTP_DRAIN_CHECK_SECONDS)


class PortalServer(Server):
    """daphne's ``Server`` with ``failByDrop=False`` on its websocket factory, and the
    garbage collector tuned for a long-running server."""

    async def handle_reply(self, protocol: Any, message: dict[str, Any]) -> None:
        """The application's ``send``: a websocket frame waits while its socket is over the
        buffer bound, so the sender (a consumer catching up from the event log, say) is
        held back by a slow client instead of queueing without end."""
        if (
            message["type"] == "websocket.send"
            and isinstance(protocol, PortalWebSocketProtocol)
            and not await protocol.room_to_send()
        ):
            return  # closed as too slow: the client resumes from its last event id
        if message["type"] == "http.response.body":
            await http_room_to_send(protocol)
        await super().handle_reply(protocol, message)

    def run(self) -> None:
        # Everything loaded at start-up (Django, the URL map, the models) lives as long as
        # the process: frozen, the collector stops walking it again and again. A request
        # allocates thousands of objects, so the default threshold of 700 ran a collection
        # several times per request (6 % of a history page's time, docs/performance.md).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        super().run()

    # Server.run() creates the factory, configures it and starts listening in one method;
    # setting the option as the factory is assigned applies it before any connection.
    @property
    def ws_factory(self) -> WebSocketFactory:
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory: WebSocketFactory) -> None:
        factory.setProtocolOptions(failByDrop=False)
        factory.protocol = PortalWebSocketProtocol
        self._ws_factory = factory


class PortalCommandLine(CommandLineInterface):
    description = "Portal's HTTP and websocket server (daphne; see portal/server.py)"
    server_class = PortalServer


if __name__ == "__main__":
    PortalCommandLine.entrypoint()
