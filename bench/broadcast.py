"""One post in a very large broadcast channel: how fast it reaches every connected member,
and what it costs the servers.

    .venv/bin/python -m bench.broadcast --members 100000 --connected 10000 --posts 20 --servers 2

Set-up (once, kept in var/bench/; ``--reset`` makes the channel again): a channel owned by
``bcowner.u00000`` with ``--members`` members made in bulk (bench/fixture.py
``channel_fixture``: the rows the services would have written, without their history), the
first ``--connected`` of them with bearer tokens. Then:

1. ``--servers`` daphnes are started (bench.servers; none may be running), and
   ``--connected`` sockets are opened to them, spread evenly, by ``--client-processes``
   receiver processes (each a ``python -m bench.broadcast receive``), so the load
   generator's own event loop is not what delays the last of 10,000 arrivals;
2. the owner posts ``--posts`` times over REST, one every ``--interval`` seconds (or as
   soon as the previous post was answered, if that took longer), each with a unique
   ``client_id``;
3. every socket records when each ``message.add`` of the run reaches it.

Per post: the time from the moment the POST was due to each connected member's socket
(p50/p95/p99/max), members that got nothing within ``--deliver-timeout`` (lost) or got it
twice (duplicates). For the whole run: rows added to each ``realtime_%`` table per post
(exact counts before and after), Redis ``PUBLISH`` commands per post (``INFO
commandstats``; Redis is shared, so the rate seen during an idle spell before the posts is
subtracted) and per server process, and server CPU per post (daphnes, PostgreSQL backends
on the benchmark database, Redis). Every loop is bounded in count and time
(``--max-seconds`` for the posts, timeouts everywhere else).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

from bench.common import CpuMeter, HttpPool, machine, save, summary_ms, wait_until_quiet
from bench.fixture import channel_fixture
from bench.servers import (
    BIN,
    DATABASE,
    PG,
    REDIS_DB,
    REDIS_PREFIX,
    ROOT,
    load_servers,
    raise_open_files_limit,
    start,
    stop,
)

# --- The receiver processes ------------------------------------------------------------------


async def _receive(config: dict[str, Any]) -> dict[str, Any]:
    """Open every socket of ``config["members"]`` ([index, token, ws url] each), say so on
    stdout, record the arrival of each message of the run until "stop" comes on stdin, then
    return the arrivals: {post number: [[member index, perf_counter time], ...]}.
    ``time.perf_counter`` is CLOCK_MONOTONIC, the same clock in every process here."""
    from websockets.asyncio.client import ClientConnection, connect
    from websockets.exceptions import ConnectionClosed

    prefix = config["prefix"]
    gate = asyncio.Semaphore(config["concurrency"])
    arrivals: dict[int, dict[int, float]] = {}
    counts: Counter[str] = Counter()
    stopping = False
    handshakes: list[float] = []

    async def open_one(index: int, token: str, url: str) -> tuple[int, ClientConnection] | None:
        async with gate:
            begun = time.perf_counter()
            try:
                conn = await connect(
                    url, additional_headers={"Authorization": f"Bearer {token}"}, proxy=None,
                    compression=None, open_timeout=120, close_timeout=2, ping_interval=None,
                    max_size=2**20,
                )  # fmt: skip
                frame = json.loads(await asyncio.wait_for(conn.recv(), 60))
            except Exception as exc:
                counts[f"connect_{type(exc).__name__}"] += 1
                return None
            if frame.get("type") != "ready":
                code = frame.get("error", {}).get("code", frame.get("type"))
                counts[f"connect_refused:{code}"] += 1
                await conn.close()
                return None
            handshakes.append(time.perf_counter() - begun)
            return index, conn

    async def listen(index: int, conn: ClientConnection) -> None:
        clock = time.perf_counter
        try:
            async for raw in conn:
                now = clock()
                if prefix not in raw:  # cheap: most frames of a run are its posts
                    continue
                frame = json.loads(raw)
                event = frame.get("event") or {}
                if frame.get("type") != "event" or (event.get("type"), event.get("op")) != (
                    "message", "add"
                ):  # fmt: skip
                    continue
                client_id = event["message"]["client_id"]
                if not client_id.startswith(prefix):
                    continue
                seen = arrivals.setdefault(int(client_id[len(prefix) :]), {})
                if index in seen:
                    counts["duplicates"] += 1
                else:
                    seen[index] = now
        except ConnectionClosed:
            if not stopping:
                counts["closed"] += 1

    begun = time.perf_counter()
    opened = [c for c in await asyncio.gather(*(open_one(*m) for m in config["members"])) if c]
    listeners = [asyncio.create_task(listen(index, conn)) for index, conn in opened]
    print(json.dumps({"ready": len(opened), "seconds": round(time.perf_counter() - begun, 2),
                      "handshake_ms": summary_ms(handshakes), "errors": dict(counts)}),
          flush=True)  # fmt: skip
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)  # "stop", or EOF
    del line
    stopping = True
    await asyncio.gather(*(conn.close() for _, conn in opened), return_exceptions=True)
    for task in listeners:
        task.cancel()
    return {
        "arrivals": {k: list(seen.items()) for k, seen in arrivals.items()},
        "duplicates": counts.pop("duplicates", 0),
        "errors": dict(counts),
    }


def receiver_main() -> None:
    """``python -m bench.broadcast receive``: the config as one JSON line on stdin."""
    raise_open_files_limit()
    config = json.loads(sys.stdin.readline())
    result = asyncio.run(_receive(config))
    print(json.dumps(result), flush=True)


class Receiver:
    """One receiver process and the members it holds."""

    def __init__(self, prefix: str, members: list[tuple[int, str, str]], concurrency: int):
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "bench.broadcast", "receive"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdin is not None
        self.process.stdin.write(
            json.dumps({"prefix": prefix, "members": members, "concurrency": concurrency}) + "\n"
        )
        self.process.stdin.flush()

    async def ready(self, timeout: float) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self._line(), timeout)))

    async def finish(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        return dict(json.loads(await asyncio.wait_for(self._line(), timeout)))

    async def _line(self) -> str:
        assert self.process.stdout is not None
        line = await asyncio.get_running_loop().run_in_executor(None, self.process.stdout.readline)
        if not line:
            raise RuntimeError(f"receiver {self.process.pid} ended (code {self.process.poll()})")
        return line

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


# --- What the servers wrote and published --------------------------------------------------


def realtime_row_counts() -> dict[str, int]:
    """Exact row counts of every table named realtime_% in the benchmark database (the
    per-user event log, and any per-topic one)."""
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename LIKE 'realtime\\_%' ORDER BY tablename"
            )
        ]
        return {
            # The names come from the catalogue, not from input.
            table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]  # noqa: S608
            for table in tables
        }


def publish_calls() -> int:
    """PUBLISH commands the Redis server has run since it started (all its clients)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=int(REDIS_DB))
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return int(stats.get("cmdstat_publish", {}).get("calls", 0))


class PublishCounter:
    """Counts the messages published on this set-up's channels (its Redis prefix), by
    subscribing to their patterns: exact whatever else uses the Redis server, unlike
    ``publish_calls``, but every message also comes to this process, so it is meant for
    posts that publish a few messages, not one per member (``--count-publishes``)."""

    def __init__(self, prefix: str = REDIS_PREFIX) -> None:
        import redis

        self.count = 0
        self.client = redis.Redis(host="127.0.0.1", port=6379)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        # Channel-layer groups and channels, and the realtime hub's bells ("<prefix>:...").
        self.pubsub.psubscribe(f"{prefix}__group__*", f"{prefix}specific.*", f"{prefix}:*")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.is_set():
            message = self.pubsub.get_message(timeout=0.5)
            if message is not None and message["type"] == "pmessage":
                self.count += 1

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.pubsub.close()
        self.client.close()


def per_post(before: dict[str, int], after: dict[str, int], posts: int) -> dict[str, float]:
    """Rows added to each table per post (tables that appeared count from 0)."""
    if not posts:
        return {}
    return {
        table: round((after.get(table, 0) - before.get(table, 0)) / posts, 1)
        for table in sorted(set(before) | set(after))
    }


def delivery_summary(
    due: float, arrivals: dict[int, float], expected: int, timeout: float
) -> dict[str, Any]:
    """One post: latency of each member's arrival from ``due`` (s, as ``perf_counter``),
    members that got it within ``timeout``, and how many did not (lost) or later (late)."""
    latencies = [t - due for t in arrivals.values()]
    on_time = [v for v in latencies if v <= timeout]
    return {
        **summary_ms(on_time),
        "lost": expected - len(on_time),
        "late": len(latencies) - len(on_time),
    }


# --- The run -----------------------------------------------------------------------------------


async def run_broadcast(args: argparse.Namespace, fixture: dict[str, Any]) -> dict[str, Any]:
    servers = load_servers()
    urls = [s["url"] for s in servers]
    ws_urls = [url.replace("http://", "ws://") + "/ws/" for url in urls]
    connected = fixture["connected"]
    prefix = f"bc{secrets.token_hex(3)}:"
    # Member i on server i mod S, in receiver i mod R: every receiver has sockets on every
    # server.
    groups: list[list[tuple[int, str, str]]] = [[] for _ in range(args.client_processes)]
    for i, member in enumerate(connected):
        groups[i % args.client_processes].append((i, member["token"], ws_urls[i % len(ws_urls)]))
    busy_before = wait_until_quiet(args.quiet_wait) if args.quiet_wait else None

    started = time.perf_counter()
    receivers = [Receiver(prefix, g, args.connect_concurrency) for g in groups if g]
    result: dict[str, Any] = {}
    try:
        readies = await asyncio.gather(*(r.ready(args.connect_timeout) for r in receivers))
        connect_seconds = time.perf_counter() - started
        ready = sum(r["ready"] for r in readies)
        print(f"{ready} of {len(connected)} sockets ready in {connect_seconds:.1f} s", flush=True)
        await asyncio.sleep(args.settle)

        # Redis is shared: the PUBLISH rate of other clients, seen while nothing is posted.
        idle_start, idle_calls = time.perf_counter(), publish_calls()
        await asyncio.sleep(args.idle_seconds)
        background_rate = (publish_calls() - idle_calls) / (time.perf_counter() - idle_start)
        rows_before = realtime_row_counts()
        counter = PublishCounter() if args.count_publishes else None
        calls_before = publish_calls()
        meter = CpuMeter([s["pid"] for s in servers], database=DATABASE)
        meter.start()
        window_start = time.perf_counter()

        pool = HttpPool(urls[0], size=2, timeout=args.post_timeout)
        owner = fixture["owner"]["token"]
        path = f"/api/v1/conversations/{fixture['conversation']}/messages"
        posts: list[dict[str, Any]] = []
        stopped = ""
        next_due = time.perf_counter() + 0.2
        for k in range(args.posts):
            if time.perf_counter() - window_start > args.max_seconds:
                stopped = f"stopped after {k} posts: over {args.max_seconds:.0f} s"
                break
            delay = next_due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due = time.perf_counter()
            client_id = f"{prefix}{k}"
            body = f"Объявление №{k}: совещание переносится на 15:00. [{client_id}]"
            try:
                status, _ = await pool.request(
                    "POST", path, token=owner, body={"client_id": client_id, "body": body}
                )
                error = ""
            except Exception as exc:
                status, error = 0, type(exc).__name__
            answered = time.perf_counter()
            posts.append({"k": k, "due": due, "status": status, "error": error,
                          "post_ms": round((answered - due) * 1000, 1)})  # fmt: skip
            print(f"post {k}: {status or error} in {(answered - due) * 1000:.0f} ms", flush=True)
            next_due = max(due + args.interval, answered)
        pool.close()
        # Wait for the deliveries still on their way (the receivers keep listening).
        ok = [p for p in posts if p["status"] in (200, 201)]
        if ok:
            await asyncio.sleep(
                max(0.0, ok[-1]["due"] + args.deliver_timeout - time.perf_counter())
            )
        cpu = meter.stop()
        window = meter.elapsed
        calls = publish_calls() - calls_before
        own = None
        if counter is not None:
            await asyncio.sleep(1)  # the last messages on their way to the counter
            own = counter.count
            counter.close()
        rows_after = realtime_row_counts()
        finished = await asyncio.gather(*(r.finish(args.connect_timeout) for r in receivers))
    finally:
        for receiver in receivers:
            receiver.end()

    arrivals: dict[int, dict[int, float]] = {}
    duplicates, errors = 0, Counter[str]()
    for part in finished:  # their errors include those of connecting
        duplicates += part["duplicates"]
        errors.update(part["errors"])
        for k, seen in part["arrivals"].items():
            arrivals.setdefault(int(k), {}).update({int(i): t for i, t in seen})
    per_post_results: list[dict[str, Any]] = []
    all_latencies: list[float] = []
    for post in posts:
        seen = arrivals.get(post["k"], {})
        expected = ready if post["status"] in (200, 201) else 0
        summary = delivery_summary(post["due"], seen, expected, args.deliver_timeout)
        all_latencies.extend(t - post["due"] for t in seen.values()
                             if t - post["due"] <= args.deliver_timeout)  # fmt: skip
        per_post_results.append({**{k: v for k, v in post.items() if k != "due"}, **summary})
    n_ok = len(ok)
    background = background_rate * window
    server_cores = cpu.get("daphne", 0) + cpu.get("postgres_bench", 0) + cpu.get("redis", 0)
    result = {
        "config": {
            "members": fixture["members"],
            "connected": len(connected),
            "posts": args.posts,
            "interval": args.interval,
            "servers": urls,
            "client_processes": args.client_processes,
            "deliver_timeout": args.deliver_timeout,
        },
        "machine": {**machine(), "busy_cores_before": busy_before},
        "fixture_seconds": fixture.get("seconds"),
        "connect": {
            "sockets": ready,
            "seconds": round(connect_seconds, 2),
            "handshake_ms": [r["handshake_ms"] for r in readies],
        },
        "stopped": stopped,
        "posted_ok": n_ok,
        "latency_ms": summary_ms(all_latencies),
        "lost": sum(p["lost"] for p in per_post_results),
        "late": sum(p["late"] for p in per_post_results),
        "duplicates": duplicates,
        "errors": dict(errors),
        "per_post": per_post_results,
        "rows_per_post": per_post(rows_before, rows_after, n_ok),
        "rows_before": rows_before,
        "redis_publish": {
            "calls": calls,
            "background_per_s": round(background_rate, 1),
            "per_post": round((calls - background) / n_ok, 1) if n_ok else None,
            "per_post_per_server": round((calls - background) / n_ok / len(urls), 1)
            if n_ok
            else None,
            # --count-publishes: exactly this set-up's messages.
            "own_messages": own,
            "own_per_post": round(own / n_ok, 1) if own is not None and n_ok else None,
        },
        "server_processes": len(urls),
        "cpu_cores": cpu,
        "window_seconds": round(window, 1),
        "server_cpu_ms_per_post": round(server_cores * window * 1000 / n_ok, 1) if n_ok else None,
    }
    return result


def main() -> None:
    if sys.argv[1:2] == ["receive"]:
        receiver_main()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--connected", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--interval", type=float, default=2, help="seconds between posts")
    parser.add_argument("--servers", type=int, default=2, help="daphnes to start")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--connect-concurrency", type=int, default=50, help="per receiver")
    parser.add_argument("--connect-timeout", type=float, default=900)
    parser.add_argument("--settle", type=float, default=5, help="seconds after connecting")
    parser.add_argument(
        "--idle-seconds", type=float, default=5,
        help="seconds of Redis' background PUBLISH rate, measured first",
    )  # fmt: skip
    parser.add_argument("--deliver-timeout", type=float, default=30)
    parser.add_argument("--post-timeout", type=float, default=120)
    parser.add_argument(
        "--max-seconds", type=float, default=600, help="stop posting after this long"
    )
    parser.add_argument(
        "--count-publishes", action="store_true",
        help="also count this set-up's own Redis messages exactly, by subscribing to them "
        "(for servers that publish a few per post, not one per member)",
    )  # fmt: skip
    parser.add_argument("--reset", action="store_true", help="make the channel again")
    parser.add_argument("--quiet-wait", type=float, default=60)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if not 0 < args.connected <= args.members or args.members > 500_000 or args.posts > 1000:
        parser.error("0 < --connected <= --members <= 500,000; --posts <= 1,000")
    raise_open_files_limit()
    fixture = channel_fixture(args.members, args.connected, reset=args.reset)
    print(f"fixture: channel {fixture['conversation']}, {fixture['members']} members", flush=True)
    if load_servers():
        raise SystemExit("benchmark servers are running already (bench.servers stop first)")
    start(count=args.servers)
    try:
        result = asyncio.run(run_broadcast(args, fixture))
    finally:
        stop()
    result["label"] = args.label
    path = save("broadcast", result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("machine", "per_post")},
                     indent=1, ensure_ascii=False))  # fmt: skip
    for post in result["per_post"]:
        print(f"post {post['k']}: p50 {post['p50']} p99 {post['p99']} max {post['max']} ms, "
              f"{post['count']} reached, lost {post['lost']}")  # fmt: skip
    print(f"saved {path}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
