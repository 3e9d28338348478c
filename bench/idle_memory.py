"""Memory and CPU of idle websocket clients on one daphne process.

    .venv/bin/python -m bench.idle_memory --clients 1000 --layers pubsub,core

For each channel layer: start one daphne (bench.servers; no other benchmark server may be
running), warm it up with a few sockets and requests, read its resident memory (VmRSS in
/proc/<pid>/status), open ``--clients`` signed-in sockets (users of the loadgen fixture),
let them settle, read it again, then keep them idle for ``--idle`` seconds while measuring
the process's CPU (each socket polls its stream every 30 s). Reports the RSS increase per
client and what is left after they close.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.common import (
    CpuMeter,
    HttpPool,
    daphne_rss_kb,
    machine,
    save,
    wait_until_quiet,
)
from bench.fixture import realtime_fixture
from bench.servers import load_servers, start, stop


async def _open(url: str, token: str) -> ClientConnection:
    conn = await connect(
        url, additional_headers={"Authorization": f"Bearer {token}"}, proxy=None,
        compression=None, open_timeout=60, close_timeout=2, ping_interval=None,
    )  # fmt: skip
    frame = json.loads(await asyncio.wait_for(conn.recv(), 30))
    if frame.get("type") != "ready":
        raise RuntimeError(f"expected ready, got {frame}")
    return conn


async def _drain(conn: ClientConnection) -> None:
    """Read (and drop) whatever the server sends, as a real client would."""
    try:
        async for _ in conn:
            pass
    except Exception:  # noqa: S110 - closing ends it either way
        pass


async def measure(server: dict[str, Any], tokens: list[str], args: argparse.Namespace) -> dict:
    pid, url = server["pid"], server["url"].replace("http://", "ws://") + "/ws/"
    # Warm-up: import paths, thread pool, Redis and database connections, caches.
    http = HttpPool(server["url"], size=4)
    await asyncio.gather(*(http.request("GET", "/api/v1/me", token=t) for t in tokens[:20]))
    http.close()
    warm = await asyncio.gather(*(_open(url, t) for t in tokens[:20]))
    await asyncio.gather(*(c.close() for c in warm))
    await asyncio.sleep(args.settle)
    before = daphne_rss_kb(pid)

    gate = asyncio.Semaphore(50)

    async def one(token: str) -> ClientConnection:
        async with gate:
            return await _open(url, token)

    started = time.perf_counter()
    conns = await asyncio.gather(*(one(t) for t in tokens))
    connect_seconds = time.perf_counter() - started
    readers = [asyncio.create_task(_drain(c)) for c in conns]
    await asyncio.sleep(args.settle)
    connected = daphne_rss_kb(pid)
    meter = CpuMeter([pid])
    meter.start()
    await asyncio.sleep(args.idle)
    idle_cpu = meter.stop()
    after_idle = daphne_rss_kb(pid)
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    for reader in readers:
        reader.cancel()
    await asyncio.sleep(args.settle)
    closed = daphne_rss_kb(pid)
    n = len(conns)
    return {
        "layer": server["layer"],
        "db_pool": server["pool"],
        "clients": n,
        "connect_seconds": round(connect_seconds, 1),
        "rss_kb": {
            "before": before,
            "connected": connected,
            "after_idle": after_idle,
            "closed": closed,
        },
        "per_client_kb": round((connected - before) / n, 1),
        "per_client_kb_after_idle": round((after_idle - before) / n, 1),
        "idle_cpu_cores": idle_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--layers", default="pubsub,core")
    parser.add_argument("--no-pool", dest="pool", action="store_false",
                        help="no PostgreSQL pool (a connection per request)")  # fmt: skip
    parser.add_argument("--settle", type=float, default=5, help="seconds before each reading")
    parser.add_argument("--idle", type=float, default=35, help="seconds idle (CPU measured)")
    parser.add_argument("--quiet-wait", type=float, default=120)
    args = parser.parse_args()
    if load_servers():
        raise SystemExit("stop the running benchmark servers first (bench.servers stop)")
    fixture = realtime_fixture(args.clients, max(1, args.clients // 10))
    tokens = [u["token"] for u in fixture["users"]]
    result: dict[str, Any] = {"machine": machine(), "runs": []}
    for layer in args.layers.split(","):
        if args.quiet_wait:
            wait_until_quiet(args.quiet_wait)
        (server,) = start(count=1, layer=layer, pool=args.pool)
        try:
            run = asyncio.run(measure(server, tokens, args))
        finally:
            stop()
        result["runs"].append(run)
        print(json.dumps(run), flush=True)
    print(f"saved {save('idle_memory', result)}")


if __name__ == "__main__":
    main()
