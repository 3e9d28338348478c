"""Closed-loop saturation of Portal and Synapse on the same workload, one after the other.

    .venv/bin/python -m bench.servers prepare                       # Portal's database, once
    .venv/bin/python -m bench.synapse setup --users 1000 --rooms 100  # Synapse's, once
    .venv/bin/python -m bench.saturation --portal --synapse --senders 50 --duration 30

The workload is bench/loadgen.py's: ``--users`` users in ``--conversations`` groups (rooms)
of equal size, every member listening (Portal: one websocket each, spread over two daphne
processes; Synapse: one ``/sync`` long poll each), messages sent by a random member of a
conversation taken round-robin. Instead of a fixed rate, ``--senders`` senders each send
the next message as soon as the server answered the previous one, for ``--warmup`` seconds
not counted and then ``--duration`` seconds measured: the answered messages a second are
what the server sustains when it is kept busy. Delivery is measured as in the open-loop
runs (bench/delivery.py), from the moment each send began.

Each server is started for its own measurement (two daphnes by bench.servers, one Synapse
by bench.synapse) unless it runs already, and stopped afterwards, so neither shares the
machine with the other. ``--portal-send ws`` sends Portal's messages as ``message.send``
frames on the author's socket instead of REST POSTs (``both``: one run of each, on the
same servers). The results are saved together under var/bench/results/ and printed side
by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench import servers as portal_servers
from bench.common import CpuMeter, HttpPool, machine, save, summary_ms, wait_until_quiet
from bench.delivery import OK, tally, wait_for_deliveries
from bench.fixture import realtime_fixture
from bench.loadgen import Member, Run, _send, _send_ws, open_all, spread
from bench.synapse import client as matrix
from bench.synapse import homeserver

# Room for every message a run could send: far above what either server answers here.
MAX_MESSAGES_PER_S = 2000
GIVE_UP_AFTER = 100


@dataclass
class Window:
    """When the warm-up ends and the measurement ends (perf_counter seconds)."""

    measure_from: float
    measure_to: float


@dataclass
class ClosedLoop:
    """``senders`` senders, each sending the next message when the last one was answered."""

    run: Run
    conversations: list[list[int]]
    senders: int
    seed: int
    next_k: int = 0
    ok: int = 0
    aborted: str = ""

    async def drive(self, window: Window, send: Callable[[int, int, int], Awaitable[None]]) -> int:
        """Send until ``window.measure_to``; how many messages were started."""
        run = self.run

        async def sender(w: int) -> None:
            rng = random.Random(self.seed * 1000 + w)
            while (
                time.perf_counter() < window.measure_to
                and self.next_k < run.total
                and not self.aborted
            ):
                k = self.next_k
                self.next_k += 1
                c = k % len(self.conversations)
                author = rng.choice(self.conversations[c])
                run.due[k], run.sender[k], run.conversation[k] = time.perf_counter(), author, c
                await send(k, c, author)
                self.ok += run.status[k] in OK
                # A server that refuses everything (a send mode it does not have) would
                # otherwise be flooded for the whole run.
                if self.next_k >= GIVE_UP_AFTER and not self.ok:
                    self.aborted = f"the first {GIVE_UP_AFTER} sends all failed"

        await asyncio.gather(*(sender(w) for w in range(self.senders)))
        return self.next_k


def measured_messages(run: Run, sent: int, window: Window) -> list[int]:
    """The messages begun inside the measured window."""
    return [k for k in range(sent) if window.measure_from <= run.due[k] < window.measure_to]


def throughput(run: Run, sent: int, window: Window) -> float:
    """Messages the server accepted a second, counting the answers that came inside the
    measured window (whenever the message was begun)."""
    length = window.measure_to - window.measure_from
    answered = sum(
        1
        for k in range(sent)
        if run.status[k] in OK and window.measure_from <= run.answered[k] < window.measure_to
    )
    return round(answered / length, 1) if length > 0 else 0.0


async def _meter(meter: CpuMeter, window: Window) -> dict[str, float]:
    """CPU over the measured window only (the warm-up and the tail of deliveries excluded)."""
    await asyncio.sleep(max(0.0, window.measure_from - time.perf_counter()))
    meter.start()
    await asyncio.sleep(max(0.0, window.measure_to - time.perf_counter()))
    return meter.stop()


def _summary(
    run: Run,
    sent: int,
    window: Window,
    members_of: list[set[int]],
    args: argparse.Namespace,
    aborted: str,
) -> dict[str, Any]:
    measured = measured_messages(run, sent, window)
    return {
        "sent": sent,
        "measured_messages": len(measured),
        "answered_msgs_per_s": throughput(run, sent, window),
        "exhausted": sent >= run.total,
        "aborted": aborted,
        **tally(run, sent, measured, members_of, args.deliver_timeout),
    }


# --- Portal -----------------------------------------------------------------------------------

# How long a socket send waits for its ``ack`` before it counts as unanswered.
ANSWER_TIMEOUT = 30.0


async def measure_portal(
    args: argparse.Namespace, fixture: dict[str, Any], mode: str
) -> dict[str, Any]:
    """The closed loop against the running Portal servers (bench.servers), sending by REST
    or (``mode`` ws) over the author's socket."""
    running = portal_servers.load_servers()
    urls = [s["url"] for s in running]
    users, conversations = fixture["users"], fixture["conversations"]
    members_of = [set(c["members"]) for c in conversations]
    pools = [HttpPool(url, size=args.http_connections) for url in urls]
    ws_urls = [url.replace("http://", "ws://") + "/ws/" for url in urls]
    node = spread(len(users), len(conversations), len(urls))
    members = [Member(i, u["token"], ws_urls[node[i]]) for i, u in enumerate(users)]
    busy_before = wait_until_quiet(args.quiet_wait) if args.quiet_wait else None
    connect_seconds, connect_times = await open_all(members, 50)
    print(f"Portal: {len(members)} sockets ready in {connect_seconds:.1f} s", flush=True)

    run = _new_run("p", args)
    listeners = [asyncio.create_task(m.listen(run, members_of)) for m in members]

    async def send(k: int, c: int, author: int) -> None:
        if mode == "ws":
            await _send_ws(run, k, members[author], conversations[c], ANSWER_TIMEOUT)
        else:
            await _send(
                run,
                k,
                run.due[k],
                pools[node[author]],
                conversations[c],
                author,
                users[author]["token"],
            )

    loop = ClosedLoop(run, [c["members"] for c in conversations], args.senders, args.seed)
    window = _window(args)
    meter = asyncio.create_task(
        _meter(CpuMeter([s["pid"] for s in running], database=portal_servers.DATABASE), window)
    )
    sent = await loop.drive(window, send)
    cpu = await meter
    await wait_for_deliveries(run, sent, members_of, time.perf_counter() + args.deliver_timeout)
    run.stopping = True
    await asyncio.gather(*(m.conn.close() for m in members if m.conn), return_exceptions=True)
    for task in listeners:
        task.cancel()
    for pool in pools:
        pool.close()
    return {
        "server": "portal",
        "send": mode,
        "servers": urls,
        "busy_cores_before": busy_before,
        "connect": {
            "sockets": len(members),
            "seconds": round(connect_seconds, 2),
            "handshake_ms": summary_ms(connect_times),
        },
        **_summary(run, sent, window, members_of, args, loop.aborted),
        "cpu_cores": matrix.rename_server_cpu(cpu),
    }


# --- Synapse ----------------------------------------------------------------------------------


async def measure_synapse(args: argparse.Namespace, fixture: dict[str, Any]) -> dict[str, Any]:
    """The closed loop against the running Synapse (bench.synapse)."""
    record = homeserver.running()
    assert record is not None
    busy_before = wait_until_quiet(args.quiet_wait) if args.quiet_wait else None
    run = _new_run("s", args)
    clients = matrix.Clients(fixture, send_connections=args.http_connections)
    connect = await clients.connect(run)
    rooms, users = clients.rooms, clients.users

    async def send(k: int, c: int, author: int) -> None:
        await matrix.send(run, k, clients.send_pool, rooms[c]["id"], users[author]["token"])

    loop = ClosedLoop(run, [r["members"] for r in rooms], args.senders, args.seed)
    window = _window(args)
    meter = asyncio.create_task(
        _meter(CpuMeter([record["pid"]], database=homeserver.DATABASE), window)
    )
    sent = await loop.drive(window, send)
    cpu = await meter
    await wait_for_deliveries(
        run, sent, clients.members_of, time.perf_counter() + args.deliver_timeout
    )
    await clients.close(run)
    return {
        "server": "synapse",
        "version": record["version"],
        "url": record["url"],
        "busy_cores_before": busy_before,
        "connect": connect,
        **_summary(run, sent, window, clients.members_of, args, loop.aborted),
        "cpu_cores": matrix.rename_server_cpu(cpu),
    }


def _new_run(tag: str, args: argparse.Namespace) -> Run:
    total = int((args.warmup + args.duration) * MAX_MESSAGES_PER_S)
    return Run(prefix=f"{tag}{secrets.token_hex(3)}:", total=total, warmup=0)


def _window(args: argparse.Namespace) -> Window:
    now = time.perf_counter()
    return Window(now + args.warmup, now + args.warmup + args.duration)


# --- the command ------------------------------------------------------------------------------


def per_core(result: dict[str, Any]) -> float:
    """Answered messages a second per core the server processes used: on a machine shared
    with other work, what each server did with the CPU it got."""
    cores = result["cpu_cores"].get("server", 0)
    return round(result["answered_msgs_per_s"] / cores, 1) if cores else 0.0


def side_by_side(results: dict[str, dict[str, Any]]) -> str:
    """A plain-text table of the measured servers, one column each."""
    rows = [
        ("answered messages/s", lambda r: f"{r['answered_msgs_per_s']}"),
        ("... per core of the server", lambda r: f"{per_core(r)}"),
        (
            "delivery p50 / p95 / p99 / max ms",
            lambda r: " / ".join(f"{r['latency_ms'][p]:.0f}" for p in ("p50", "p95", "p99", "max")),
        ),
        ("send p50 / p99 ms", lambda r: f"{r['send_ms']['p50']:.0f} / {r['send_ms']['p99']:.0f}"),
        ("deliveries measured", lambda r: f"{r['latency_ms']['count']}"),
        ("lost / late / duplicated", lambda r: f"{r['lost']} / {r['late']} / {r['duplicates']}"),
        (
            "server / PostgreSQL cores",
            lambda r: (
                f"{r['cpu_cores'].get('server', 0)} / {r['cpu_cores'].get('postgres_bench', 0)}"
            ),
        ),
        ("other processes' cores", lambda r: f"{r['cpu_cores'].get('other', 0)}"),
        ("errors", lambda r: json.dumps(r["errors"]) if r["errors"] else "none"),
    ]
    names = list(results)
    width = max(len(label) for label, _ in rows)
    cells = [[render(results[n]) for n in names] for _, render in rows]
    col = [max(len(n), *(len(row[i]) for row in cells)) for i, n in enumerate(names)]
    lines = [" " * width + "  " + "  ".join(n.ljust(col[i]) for i, n in enumerate(names))]
    for (label, _), row in zip(rows, cells, strict=True):
        lines.append(
            label.ljust(width) + "  " + "  ".join(c.ljust(col[i]) for i, c in enumerate(row))
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", action="store_true", help="measure Portal")
    parser.add_argument("--synapse", action="store_true", help="measure Synapse")
    parser.add_argument(
        "--portal-send",
        choices=["rest", "ws", "both"],
        default="rest",
        help="how Portal's senders send (both: REST, then ws, on the same servers)",
    )
    parser.add_argument("--portal-servers", type=int, default=2, help="daphne processes")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--senders", type=int, default=50, help="concurrent senders")
    parser.add_argument("--duration", type=float, default=30, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5, help="seconds sent first, not measured")
    parser.add_argument("--deliver-timeout", type=float, default=10)
    parser.add_argument("--http-connections", type=int, default=64, help="per server")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="wait up to this long for an idle machine first (0: don't)",
    )
    parser.add_argument("--label", default="", help="a name for the saved result")
    args = parser.parse_args()
    if not (args.portal or args.synapse):
        parser.error("say which: --portal, --synapse or both")
    if args.duration > 300 or args.senders > 500:
        parser.error("keep a run bounded: at most 300 s and 500 senders")
    results: dict[str, dict[str, Any]] = {}
    if args.portal:
        fixture = realtime_fixture(args.users, args.conversations)  # sync Django, before the loop
        own = not portal_servers.load_servers()
        if own:
            portal_servers.start(count=args.portal_servers)
        try:
            modes = ["rest", "ws"] if args.portal_send == "both" else [args.portal_send]
            for mode in modes:
                name = "portal" if mode == "rest" else "portal-ws"
                results[name] = asyncio.run(measure_portal(args, fixture, mode))
        finally:
            if own:
                portal_servers.stop()
    if args.synapse:
        fixture = homeserver.load_fixture(args.users, args.conversations)
        own = homeserver.running() is None
        if own:
            homeserver.start()
        try:
            results["synapse"] = asyncio.run(measure_synapse(args, fixture))
        finally:
            if own:
                homeserver.stop()
    rates = {n: r["answered_msgs_per_s"] for n, r in results.items()}
    saved = {
        "config": {
            "users": args.users,
            "conversations": args.conversations,
            "senders": args.senders,
            "duration": args.duration,
            "warmup": args.warmup,
            "portal_send": args.portal_send,
            "portal_servers": args.portal_servers,
            "deliver_timeout": args.deliver_timeout,
        },
        "machine": machine(),
        "label": args.label,
        "results": results,
    }
    if rates.get("synapse"):
        saved["over_synapse"] = {
            n: round(v / rates["synapse"], 1) for n, v in rates.items() if n != "synapse"
        }
        synapse_per_core = per_core(results["synapse"])
        if synapse_per_core:
            saved["over_synapse_per_core"] = {
                n: round(per_core(r) / synapse_per_core, 1)
                for n, r in results.items()
                if n != "synapse"
            }
    path = save("saturation", saved)
    print(side_by_side(results))
    for name, result in results.items():
        if result["aborted"]:
            print(f"{name}: stopped early, {result['aborted']}")
    for name, ratio in saved.get("over_synapse", {}).items():
        print(
            f"{name} / synapse: {ratio}x "
            f"(per server core: {saved['over_synapse_per_core'].get(name)}x)"
        )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
