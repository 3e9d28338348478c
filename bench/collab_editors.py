"""Co-editing: N editors type into one rich-text document at a steady rate; how long each
change takes to reach every other editor (issue 12's target: p99 under 100 ms for 20).

    .venv/bin/python -m bench.servers prepare
    .venv/bin/python -m bench.servers start --count 1      # or 2: editors spread over both
    .venv/bin/python -m bench.collab_editors --editors 20 --seconds 30 --rate 5
    .venv/bin/python -m bench.servers stop

Each editor is a Python y-websocket client (pycrdt, as tests/documents/ use) signed in
with a bearer token, on the servers started by bench.servers (round robin). After the
initial sync each adds its own paragraph, then types one character every 1/rate seconds
(one Yjs update each, as a browser sends per keystroke) for ``--seconds``. The server
relays an update's bytes unchanged, so a receiver knows an update by its bytes: latency
runs from just before the sender's ``send`` to the moment another editor's socket read
it, for every editor but the sender. A delivery missing ``--deliver-timeout`` seconds
after the last send is lost. At the end every editor applies what it received and the
documents are compared (they must be equal), and the server's log is checked to hold
every update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any

from bench.common import machine, save, summary_ms
from bench.servers import load_servers, setup_django

MAX_EDITORS = 200


def _fixture(editors: int) -> tuple[str, list[str]]:
    """A new rich-text document, its owner the first editor, shared with the others as
    editors (through the real services); the document id and one token per editor."""
    from bench.fixture import ensure_users, issue_tokens
    from documents.models import Role
    from documents.services.files import document_create_rich_text
    from documents.services.folders import user_root
    from documents.services.shares import share_add

    users = ensure_users("collab", editors)
    owner = users[0]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    document = document_create_rich_text(
        actor=owner, folder_id=user_root(user=owner).pk, name=f"Совместная правка {stamp}"
    )
    for user in users[1:]:
        share_add(actor=owner, document_id=document.pk, grantee_kind="user",
                  grantee_id=user.pk, role=Role.EDITOR)  # fmt: skip
    return str(document.pk), issue_tokens(users)


class Editor:
    def __init__(self, index: int, conn: Any) -> None:
        import pycrdt

        self.index = index
        self.conn = conn
        self.doc: Any = pycrdt.Doc()
        self.received: list[tuple[bytes, float]] = []
        self.synced = asyncio.Event()
        self.pending: list[bytes] = []
        self.doc.observe(lambda event: self.pending.append(event.update))

    async def read(self) -> None:
        from documents.collab import protocol

        async for raw in self.conn:
            at = time.monotonic()
            message = protocol.parse_server(raw)
            if isinstance(message, protocol.Sync):
                if message.kind == protocol.SYNC_STEP1:
                    await self.conn.send(protocol.sync_step2(self.doc.get_update(message.payload)))
                elif message.kind == protocol.SYNC_STEP2:
                    self.doc.apply_update(message.payload)
                    self.pending.clear()
                    self.synced.set()
                else:
                    self.received.append((message.payload, at))


async def _run(args: argparse.Namespace, document_id: str, tokens: list[str]) -> dict[str, Any]:
    import pycrdt
    from websockets.asyncio.client import connect

    from documents.collab import protocol

    servers = load_servers()
    if not servers:
        raise SystemExit("no servers: run `python -m bench.servers start` first")
    editors: list[Editor] = []
    readers: list[asyncio.Task[None]] = []
    for i, token in enumerate(tokens):
        port = servers[i % len(servers)]["port"]
        conn = await connect(
            f"ws://127.0.0.1:{port}/ws/documents/{document_id}/",
            additional_headers={"Authorization": f"Bearer {token}"},
            proxy=None, open_timeout=10, max_size=None,
        )  # fmt: skip
        editor = Editor(i, conn)
        editors.append(editor)
        readers.append(asyncio.create_task(editor.read()))
        await conn.send(protocol.sync_step1(editor.doc.get_state()))
    await asyncio.wait_for(asyncio.gather(*(e.synced.wait() for e in editors)), 30)

    sent: dict[bytes, tuple[int, float]] = {}

    async def send_pending(editor: Editor) -> None:
        while editor.pending:
            update = editor.pending.pop(0)
            sent[update] = (editor.index, time.monotonic())
            await editor.conn.send(protocol.sync_update(update))

    texts: list[Any] = []
    for editor in editors:
        text = pycrdt.XmlText(f"e{editor.index:03d}:")
        fragment = editor.doc.get("default", type=pycrdt.XmlFragment)
        fragment.children.append(pycrdt.XmlElement("paragraph", {}, [text]))
        texts.append(fragment.children[len(fragment.children) - 1].children[0])
        await send_pending(editor)
    await asyncio.sleep(1)  # the paragraphs are everywhere before the clock starts
    warmup = [len(e.received) for e in editors]  # the paragraphs: applied, not measured
    sent.clear()

    interval = 1 / args.rate
    started = time.monotonic()
    stop_at = started + args.seconds

    async def type_steadily(editor: Editor, text: Any) -> None:
        next_at = started + random.uniform(0, interval)
        n = 0
        while next_at < stop_at:
            await asyncio.sleep(max(0, next_at - time.monotonic()))
            text.insert(len(str(text).encode()), "абвгдежзик"[n % 10])
            n += 1
            await send_pending(editor)
            next_at += interval

    await asyncio.gather(*(type_steadily(e, t) for e, t in zip(editors, texts, strict=True)))
    deadline = time.monotonic() + args.deliver_timeout
    expected = len(sent) * (len(editors) - 1)
    while time.monotonic() < deadline:
        got = sum(
            1
            for e, skip in zip(editors, warmup, strict=True)
            for payload, _at in e.received[skip:]
            if payload in sent
        )
        if got >= expected:
            break
        await asyncio.sleep(0.1)

    latencies: list[float] = []
    unknown = 0
    for editor, skip in zip(editors, warmup, strict=True):
        for payload, at in editor.received[skip:]:
            origin = sent.get(payload)
            if origin is None:
                unknown += 1
            elif origin[0] != editor.index:
                latencies.append(at - origin[1])
    for editor in editors:
        for payload, _at in editor.received:
            editor.doc.apply_update(payload)
    contents = {str(e.doc.get("default", type=pycrdt.XmlFragment)) for e in editors}
    for task in readers:
        task.cancel()
    for editor in editors:
        await editor.conn.close()
    return {
        "updates_sent": len(sent),
        "deliveries_expected": expected,
        "deliveries": len(latencies),
        "lost": expected - len(latencies),
        "unknown_payloads": unknown,
        "converged": len(contents) == 1,
        "latency_ms": summary_ms(latencies),
        "servers": len(servers),
        "elapsed_s": round(time.monotonic() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=5, help="keystrokes per second each")
    parser.add_argument("--deliver-timeout", type=float, default=10)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if not 2 <= args.editors <= MAX_EDITORS or not 0 < args.seconds <= 600:
        parser.error(f"2 <= --editors <= {MAX_EDITORS} and 0 < --seconds <= 600")
    if not 0 < args.rate <= 50 or not 0 < args.deliver_timeout <= 60:
        parser.error("0 < --rate <= 50 and 0 < --deliver-timeout <= 60")
    setup_django()
    document_id, tokens = _fixture(args.editors)
    run = asyncio.run(_run(args, document_id, tokens))

    from documents.collab import store

    run["stored_updates"] = store.log_size(document_id)[0]
    config = {k: getattr(args, k) for k in ("editors", "seconds", "rate", "deliver_timeout")}
    result = {"config": config, "machine": machine(), "run": run, "label": args.label}
    path = save("collab_editors", result)
    print(json.dumps(run, indent=1, ensure_ascii=False))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
