"""One-to-one calls under load: with N clients connected, P pairs call each other over
and over; how long ``call.start`` takes to ring the callee's socket (issue 13's target:
p99 under 50 ms with 1,000 connected) and how long a signal takes from one device to the
other (p99 under 20 ms).

    .venv/bin/python -m bench.servers prepare
    .venv/bin/python -m bench.servers start --count 1
    .venv/bin/python -m bench.calls_signalling --clients 1000 --pairs 50 --rounds 10
    .venv/bin/python -m bench.servers stop

Every client is a websocket signed in with a bearer token (users ``calls.u00000``…, on
the servers of bench.servers, round robin); the first 2·P make calls, the rest are only
connected. Each round, every caller at once: ``POST /calls`` (the clock starts just
before it) → the callee's socket reads ``call.incoming`` (ring latency) → ``POST
accept`` → ``--signals`` ICE candidates each way, paced at 20 a second (each one's
latency from just before the sender's ``send`` to the other socket reading it) → ``POST
hangup``. Nothing is timed against a wall clock of another process: sender and receiver
are in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from typing import Any

from bench.common import HttpPool, machine, save, summary_ms
from bench.servers import load_servers, setup_django

MAX_CLIENTS = 5000


def _fixture(clients: int) -> tuple[list[str], list[str]]:
    """One token per client (fresh devices), and the users' ids; no call is left over
    from an earlier run (ended through the service, as a hang-up would)."""
    from bench.fixture import ensure_users, issue_tokens
    from conferencing.models import Call
    from conferencing.services import call_hangup

    users = ensure_users("calls", clients)
    for call in Call.objects.filter(state__in=Call.ACTIVE_STATES, caller__in=users):
        call_hangup(actor=call.caller, call_id=call.pk)
    return issue_tokens(users), [str(u.pk) for u in users]


class Client:
    """One socket: the arrival times of the call frames it reads."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.incoming: dict[str, float] = {}
        self.signals: dict[str, float] = {}
        self.ringing = asyncio.Event()
        self.signalled = asyncio.Event()

    async def read(self) -> None:
        async for raw in self.conn:
            at = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") == "call.signal" and frame.get("candidate"):
                self.signals[frame["candidate"]["candidate"]] = at
                self.signalled.set()
            elif frame.get("type") == "event" and frame["event"].get("op") == "incoming":
                self.incoming[frame["event"]["call"]["id"]] = at
                self.ringing.set()


async def _arrival(
    event: asyncio.Event, table: dict[str, float], key: str, timeout: float
) -> float | None:
    """When ``key`` arrived in ``table`` (which the reader fills, setting ``event``), or
    None after ``timeout``."""
    deadline = time.perf_counter() + timeout
    while key not in table:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None
        event.clear()
        if key in table:
            break
        try:
            await asyncio.wait_for(event.wait(), remaining)
        except TimeoutError:
            break
    return table.pop(key, None)


async def _pair(
    args: argparse.Namespace, http: HttpPool, caller: tuple[Client, str],
    callee: tuple[Client, str, str], results: dict[str, Any],
) -> None:  # fmt: skip
    (a, a_token), (b, b_token, b_id) = caller, callee
    for _ in range(args.rounds):
        started = time.perf_counter()
        status, call = await http.request(
            "POST", "/api/v1/calls", token=a_token, body={"kind": "audio", "callee_id": b_id}
        )
        if status != 201 or call["state"] != "ringing":
            results["errors"][f"start {status}"] += 1
            continue
        call_id = call["id"]
        rang = await _arrival(b.ringing, b.incoming, call_id, args.timeout)
        if rang is None:
            results["lost_rings"] += 1
        else:
            results["ring"].append(rang - started)
        status, _ = await http.request("POST", f"/api/v1/calls/{call_id}/accept", token=b_token)
        if status != 200:
            results["errors"][f"accept {status}"] += 1
        for k in range(args.signals):
            for sender, receiver, side in ((a, b, "a"), (b, a, "b")):
                line = (
                    f"candidate:{side}{k} 1 UDP 2130706431 127.0.0.1 {50000 + k} typ host {call_id}"
                )
                candidate = {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}
                frame = {"type": "call.signal", "call_id": call_id, "candidate": candidate}
                sent = time.perf_counter()
                await sender.conn.send(json.dumps(frame))
                came = await _arrival(receiver.signalled, receiver.signals, line, args.timeout)
                if came is None:
                    results["lost_signals"] += 1
                else:
                    results["signal"].append(came - sent)
            await asyncio.sleep(0.05)  # within the signalling rate limit (20 a second)
        status, _ = await http.request("POST", f"/api/v1/calls/{call_id}/hangup", token=a_token)
        if status != 200:
            results["errors"][f"hangup {status}"] += 1


async def _run(args: argparse.Namespace, tokens: list[str], user_ids: list[str]) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    servers = load_servers()
    if not servers:
        raise SystemExit("no servers: run `python -m bench.servers start` first")
    clients: list[Client] = []
    readers: list[asyncio.Task[None]] = []
    opened = time.perf_counter()
    for i, token in enumerate(tokens):
        port = servers[i % len(servers)]["port"]
        conn = await connect(
            f"ws://127.0.0.1:{port}/ws/", additional_headers={"Authorization": f"Bearer {token}"},
            proxy=None, open_timeout=30, max_size=None,
        )  # fmt: skip
        assert json.loads(await conn.recv())["type"] == "ready"
        client = Client(conn)
        clients.append(client)
        readers.append(asyncio.create_task(client.read()))
    open_seconds = time.perf_counter() - opened
    http = HttpPool(servers[0]["url"], size=2 * args.pairs)
    results: dict[str, Any] = {
        "ring": [], "signal": [], "lost_rings": 0, "lost_signals": 0, "errors": defaultdict(int)
    }  # fmt: skip
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _pair(args, http, (clients[2 * p], tokens[2 * p]),
                  (clients[2 * p + 1], tokens[2 * p + 1], user_ids[2 * p + 1]), results)
            for p in range(args.pairs)
        )
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    for task in readers:
        task.cancel()
    for client in clients:
        await client.conn.close()
    return {
        "connected": len(clients),
        "open_s": round(open_seconds, 2),
        "calls": args.pairs * args.rounds,
        "ring_ms": summary_ms(results["ring"]),
        "signal_ms": summary_ms(results["signal"]),
        "lost_rings": results["lost_rings"],
        "lost_signals": results["lost_signals"],
        "errors": dict(results["errors"]),
        "servers": len(servers),
        "elapsed_s": round(elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="connected sockets in all")
    parser.add_argument("--pairs", type=int, default=50, help="caller/callee pairs among them")
    parser.add_argument("--rounds", type=int, default=10, help="calls per pair, one after another")
    parser.add_argument("--signals", type=int, default=10, help="candidates each way per call")
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if not 2 <= args.clients <= MAX_CLIENTS or not 1 <= 2 * args.pairs <= args.clients:
        parser.error(f"2 <= --clients <= {MAX_CLIENTS} and 2 * --pairs <= --clients")
    if not 1 <= args.rounds <= 1000 or not 0 <= args.signals <= 50 or not 0 < args.timeout <= 60:
        parser.error("1 <= --rounds <= 1000, 0 <= --signals <= 50, 0 < --timeout <= 60")
    setup_django()
    tokens, user_ids = _fixture(args.clients)
    run = asyncio.run(_run(args, tokens, user_ids))
    config = {k: getattr(args, k) for k in ("clients", "pairs", "rounds", "signals", "timeout")}
    result = {"config": config, "machine": machine(), "run": run, "label": args.label}
    path = save("calls_signalling", result)
    print(json.dumps(run, indent=1, ensure_ascii=False))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
