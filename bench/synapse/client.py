"""Matrix clients for the comparison: every user long-polls ``/sync``, senders PUT messages.

The same measurement as bench/loadgen.py (bench/delivery.py counts both): a message ``k``
carries ``<prefix><k>`` (in its body, for a person reading the room, and as
``portal_bench_id`` in its content, which the listeners parse), its transaction id is the
same string (Matrix's idempotency key, as Portal's ``client_id``), and each member's
client records when the event comes out of its sync.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import time
from typing import Any
from urllib.parse import quote

from bench.common import CpuMeter, HttpPool, machine, summary_ms, wait_until_quiet
from bench.delivery import OK, tally, wait_for_deliveries
from bench.loadgen import PHRASES, Run
from bench.synapse import homeserver

# Only the room messages' timeline: no state, ephemeral events, account data or presence
# (a Matrix client would want them; Portal's sockets do not carry their equivalents either).
SYNC_FILTER = json.dumps(
    {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"types": ["m.room.message"], "limit": 100},
            "state": {"types": []},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    },
    separators=(",", ":"),
)
LONG_POLL_MS = 30000
BENCH_KEY = "portal_bench_id"


def message_content(client_id: str, k: int) -> dict[str, Any]:
    body = f"{PHRASES[k % len(PHRASES)]} [{client_id} t={time.time_ns()}]"
    return {"msgtype": "m.text", "body": body, BENCH_KEY: client_id}


class SyncClient:
    """One user's client: an initial sync, then long polls one after the other."""

    def __init__(self, index: int, user_id: str, token: str, pool: HttpPool) -> None:
        self.index, self.user_id, self.token, self.pool = index, user_id, token, pool
        self.since = ""

    async def initial(self) -> None:
        status, answer = await self.pool.request(
            "GET",
            f"/_matrix/client/v3/sync?timeout=0&filter={quote(SYNC_FILTER)}",
            token=self.token,
        )
        if status != 200:
            raise RuntimeError(f"initial sync of {self.user_id}: {status} {answer}")
        self.since = answer["next_batch"]

    async def listen(self, run: Run, members_of: list[set[int]]) -> None:
        prefix, clock = run.prefix, time.perf_counter
        path = f"/_matrix/client/v3/sync?timeout={LONG_POLL_MS}&filter={quote(SYNC_FILTER)}"
        while not run.stopping:
            try:
                status, answer = await self.pool.request(
                    "GET", f"{path}&since={quote(self.since)}", token=self.token
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                run.errors[f"sync_{type(exc).__name__}"] += 1
                await asyncio.sleep(1)
                continue
            now = clock()
            if status != 200:
                run.errors[f"sync_http_{status}"] += 1
                await asyncio.sleep(1)
                continue
            self.since = answer["next_batch"]
            for room in answer.get("rooms", {}).get("join", {}).values():
                for event in room.get("timeline", {}).get("events", []):
                    client_id = event.get("content", {}).get(BENCH_KEY, "")
                    if not isinstance(client_id, str) or not client_id.startswith(prefix):
                        continue
                    k = int(client_id[len(prefix) :])
                    if self.index == run.sender[k]:
                        continue  # the author's own sync shows it too; not measured
                    if self.index not in members_of[run.conversation[k]]:
                        run.unexpected += 1
                    elif self.index in run.arrivals[k]:
                        run.duplicates += 1
                    else:
                        run.arrivals[k][self.index] = now


async def send(run: Run, k: int, pool: HttpPool, room_id: str, token: str) -> None:
    """PUT message ``k`` into ``room_id``; its status and answer time go into ``run``."""
    run.in_flight += 1
    client_id = f"{run.prefix}{k}"
    try:
        status, _ = await pool.request(
            "PUT",
            f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/send/m.room.message/"
            f"{quote(client_id, safe='')}",
            token=token,
            body=message_content(client_id, k),
        )
        run.status[k] = status
        if status not in OK:
            run.errors[f"http_{status}"] += 1
    except Exception as exc:
        run.errors[f"put_{type(exc).__name__}"] += 1
    run.answered[k] = time.perf_counter()
    run.in_flight -= 1


class Clients:
    """Every user's sync client against the running Synapse, and a pool for the senders."""

    def __init__(self, fixture: dict[str, Any], *, send_connections: int = 64) -> None:
        users = fixture["users"]
        # One connection per long poll, and some to spare for the initial syncs' overlap.
        self.sync_pool = HttpPool(
            homeserver.URL, size=len(users) + 16, timeout=LONG_POLL_MS / 1000 + 30
        )
        self.send_pool = HttpPool(homeserver.URL, size=send_connections, timeout=60)
        self.users = users
        self.rooms = fixture["rooms"]
        self.members_of = [set(r["members"]) for r in self.rooms]
        self.clients = [
            SyncClient(i, u["user_id"], u["token"], self.sync_pool) for i, u in enumerate(users)
        ]
        self.listeners: list[asyncio.Task[None]] = []

    async def connect(self, run: Run, concurrency: int = 50) -> dict[str, Any]:
        """Initial syncs (a few at a time), then every client long-polls."""
        gate = asyncio.Semaphore(concurrency)
        times: list[float] = []

        async def one(client: SyncClient) -> None:
            async with gate:
                start = time.perf_counter()
                await client.initial()
                times.append(time.perf_counter() - start)

        started = time.perf_counter()
        await asyncio.gather(*(one(c) for c in self.clients))
        seconds = time.perf_counter() - started
        self.listeners = [asyncio.create_task(c.listen(run, self.members_of)) for c in self.clients]
        print(f"{len(self.clients)} Matrix clients syncing after {seconds:.1f} s", flush=True)
        return {
            "clients": len(self.clients),
            "seconds": round(seconds, 2),
            "initial_sync_ms": summary_ms(times),
        }

    async def close(self, run: Run) -> None:
        run.stopping = True
        for task in self.listeners:
            task.cancel()
        await asyncio.gather(*self.listeners, return_exceptions=True)
        self.sync_pool.close()
        self.send_pool.close()


async def open_loop(args: argparse.Namespace, fixture: dict[str, Any]) -> dict[str, Any]:
    """bench/loadgen.py's run against Synapse: ``--rate`` messages a second on schedule."""
    record = homeserver.running()
    if not record:
        raise SystemExit("Synapse is not running: python -m bench.synapse start")
    busy_before = wait_until_quiet(args.quiet_wait) if args.quiet_wait else None
    warmup = int(args.rate * args.warmup)
    total = warmup + int(args.rate * args.duration)
    run = Run(prefix=f"s{secrets.token_hex(3)}:", total=total, warmup=warmup)
    clients = Clients(fixture, send_connections=args.http_connections)
    connect = await clients.connect(run)
    rooms, users = clients.rooms, clients.users
    rng = random.Random(args.seed)
    meter = CpuMeter([record["pid"]], database=homeserver.DATABASE)
    sends: set[asyncio.Task[None]] = set()
    t0 = time.perf_counter() + 0.2
    sent, aborted = 0, ""
    for k in range(total):
        if k == warmup:
            meter.start()
        due = t0 + k / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if run.in_flight > args.max_in_flight:
            aborted = f"over {args.max_in_flight} requests outstanding after {k} sends"
            break
        r = k % len(rooms)
        sender = rng.choice(rooms[r]["members"])
        run.due[k], run.sender[k], run.conversation[k] = due, sender, r
        task = asyncio.create_task(
            send(run, k, clients.send_pool, rooms[r]["id"], users[sender]["token"])
        )
        sends.add(task)
        task.add_done_callback(sends.discard)
        sent = k + 1
    schedule_end = time.perf_counter()
    if sends:
        await asyncio.wait(sends, timeout=args.deliver_timeout + 30)
    await wait_for_deliveries(run, sent, clients.members_of, schedule_end + args.deliver_timeout)
    cpu = meter.stop() if sent > warmup else {}
    await clients.close(run)
    measured = [k for k in range(warmup, sent) if run.status[k] in OK]
    window = (max(run.answered[k] for k in measured) - run.due[warmup]) if measured else 0
    counted = tally(run, sent, measured, clients.members_of, args.deliver_timeout)
    return {
        "server": "synapse",
        "config": {
            "users": len(users),
            "conversations": len(rooms),
            "rate": args.rate,
            "duration": args.duration,
            "warmup": args.warmup,
            "url": record["url"],
            "synapse": record["version"],
            "deliver_timeout": args.deliver_timeout,
        },
        "machine": {**machine(), "busy_cores_before": busy_before},
        "connect": connect,
        "aborted": aborted,
        "sent": max(0, sent - warmup),
        "posted_ok": len(measured),
        "achieved_msgs_per_s": round(len(measured) / window, 1) if window else 0,
        **counted,
        "cpu_cores": rename_server_cpu(cpu),
    }


def rename_server_cpu(cpu: dict[str, float]) -> dict[str, float]:
    """CpuMeter calls the server processes ``daphne``; here they are the server's."""
    cpu = dict(cpu)
    if "daphne" in cpu:
        cpu["server"] = cpu.pop("daphne")
    return cpu
