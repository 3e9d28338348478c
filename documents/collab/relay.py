"""What the processes serving one document tell each other, through the channel layer
group ``ydoc.<document id>`` (docs/collab.md, "Several processes").

In production the layer is Redis pub/sub (``portal.realtime.layers.PubSubChannelLayer``):
one publish per message, received once by every process with a room for the document. A
lost relay delays a change, it never loses it: each room reads the log it missed on its
timer (rooms.py). Messages:

- ``ydoc.update`` ``{origin, updates: [[seq, bytes], …]}``: updates stored (one batch of
  the sending room's group commit);
- ``ydoc.awareness`` ``{origin, data}``: an awareness update (cursors, names);
- ``ydoc.query_awareness`` ``{origin}``: a room just opened; the others answer with the
  awareness states of their own sockets;
- ``ydoc.access`` ``{}``: who may do what changed; every room re-checks its sockets.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

UPDATE = "ydoc.update"
AWARENESS = "ydoc.awareness"
QUERY_AWARENESS = "ydoc.query_awareness"
ACCESS = "ydoc.access"


def group(document_id: Any) -> str:
    """A valid Channels group name (ASCII, under 100 characters)."""
    return f"ydoc.{document_id}"


async def send(document_id: Any, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group(document_id), message)


def send_after_commit(document_id: Any, message: dict[str, Any]) -> None:
    """From synchronous code (services): send once the current transaction commits."""
    transaction.on_commit(lambda: async_to_sync(send)(document_id, message))


def on_access_changed(sender: Any, document_id: Any, **kwargs: Any) -> None:
    """``documents.signals.access_changed`` (sent after commit): every process re-checks
    its sockets on the document now, rather than on its next timer round."""
    async_to_sync(send)(document_id, {"type": ACCESS})
