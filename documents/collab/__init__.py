"""Real-time co-editing of rich-text documents (docs/collab.md): the y-websocket protocol
(``protocol``), a room per document per process (``rooms``), the update log and its
snapshots (``store``), the relay between processes (``relay``), sign-in and access
(``access``)."""
