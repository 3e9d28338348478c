"""What the benchmark scripts share: a small HTTP/1.1 client, percentiles, CPU accounting.

The HTTP client is a few dozen lines on asyncio streams rather than httpx or aiohttp: it
adds no dependency to the project, and on a 2-core machine whose other core runs the
server the load generator must spend as little CPU per request as it can.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench" / "results"


class HttpError(Exception):
    pass


class HttpPool:
    """Keep-alive HTTP/1.1 connections to one server, at most ``size`` at a time."""

    def __init__(self, base_url: str, size: int = 32, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("benchmarks only talk to loopback servers")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(size)

    async def request(
        self, method: str, path: str, *, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """Send one request; the status and the decoded JSON answer (None if empty).

        A request that fails on a reused connection (the server closed it while idle) is
        sent once more on a new one; the endpoints benchmarked are idempotent.
        """
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "Accept-Language: en", f"Content-Length: {len(payload)}"]  # fmt: skip
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head.append("Content-Type: application/json")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        async with self.slots:
            for attempt in (0, 1):
                reused = bool(self.idle)
                conn = self.idle.pop() if reused else await self._open()
                try:
                    status, data, keep = await asyncio.wait_for(
                        self._exchange(conn, raw), self.timeout
                    )
                except (OSError, asyncio.IncompleteReadError, HttpError):
                    conn[1].close()
                    if reused and attempt == 0:
                        continue
                    raise
                except BaseException:
                    conn[1].close()
                    raise
                if keep:
                    self.idle.append(conn)
                else:
                    conn[1].close()
                return status, json.loads(data) if data else None
        raise AssertionError("unreachable")

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port, limit=2**22)

    @staticmethod
    async def _exchange(
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], raw: bytes
    ) -> tuple[int, bytes, bool]:
        reader, writer = conn
        writer.write(raw)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin1").split("\r\n")
        try:
            status = int(head[0].split(" ", 2)[1])
        except (IndexError, ValueError) as exc:
            raise HttpError(f"bad status line {head[0]!r}") from exc
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            data = b"".join(chunks)
        else:
            data = await reader.read()
            return status, data, False
        return status, data, headers.get("connection", "").lower() != "close"

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(p / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def summary_ms(values_s: list[float]) -> dict[str, float]:
    """count, p50, p95, p99, max and mean of durations given in seconds, in milliseconds."""
    values = sorted(v * 1000 for v in values_s)
    return {
        "count": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(values[-1], 2) if values else 0.0,
        "mean": round(sum(values) / len(values), 2) if values else 0.0,
    }


# --- CPU accounting ---------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds (user + system) a process has used (with ``children``: also its reaped
    children's); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _processes() -> list[tuple[int, int, str, str]]:
    """(pid, parent pid, command name, command line) of every process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            found.append((int(entry.name), ppid, name, cmdline))
    return found


def busy_cores_total(*, steal: bool = False) -> float:
    """CPU seconds the whole machine has been busy (all cores; with ``steal``: the time
    the hypervisor gave to other machines instead)."""
    total = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    if steal:
        return total[7] / _TICK
    return sum(v for i, v in enumerate(total) if i not in (3, 4, 7)) / _TICK


@dataclass
class CpuMeter:
    """CPU used by each part of the system between ``start`` and ``stop``, in cores.

    ``postgres_bench``: backends connected to the benchmark database; ``postgres_all``: the
    whole PostgreSQL server, including backends that ended in between (they are counted in
    the postmaster's children time) and other databases; ``other``: everything else on the
    machine (other people's test runs, the kernel's loopback network work); ``steal``: time
    the hypervisor gave to other virtual machines. Both disturb the numbers when high.
    """

    daphne_pids: list[int]
    database: str = "portal_bench"
    before: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    # Seconds between ``start`` and ``stop``: cores × elapsed is CPU time.
    elapsed: float = 0.0

    def _sample(self) -> dict[str, float]:
        processes = _processes()
        postgres = [p for p in processes if p[2] == "postgres"]
        postmasters = [p[0] for p in postgres if p[1] not in {q[0] for q in postgres}]
        bench_db = f" {self.database} "
        own = set(self.daphne_pids) | {os.getpid()}
        return {
            "daphne": sum(_proc_cpu(p) for p in self.daphne_pids),
            "loadgen": _proc_cpu(os.getpid()),
            "postgres_bench": sum(_proc_cpu(p[0]) for p in postgres if bench_db in p[3]),
            "postgres_all": sum(_proc_cpu(p[0], children=p[0] in postmasters) for p in postgres),
            "redis": sum(_proc_cpu(p[0]) for p in processes if p[2] == "redis-server"),
            "machine": busy_cores_total(),
            "steal": busy_cores_total(steal=True),
            "_own": sum(_proc_cpu(p) for p in own),
        }

    def start(self) -> None:
        self.before, self.started = self._sample(), time.monotonic()

    def stop(self) -> dict[str, float]:
        after, elapsed = self._sample(), time.monotonic() - self.started
        self.elapsed = elapsed
        used = {k: (after[k] - self.before[k]) / elapsed for k in after}
        used["other"] = used["machine"] - used.pop("_own") - used["postgres_all"] - used["redis"]
        return {k: round(v, 2) for k, v in used.items()}


def wait_until_quiet(max_wait: float = 300, below: float = 0.3) -> float:
    """Wait (up to ``max_wait`` s) until the machine is nearly idle, so that other work on
    it does not distort a measurement; the busy cores seen last."""
    deadline = time.monotonic() + max_wait
    while True:
        before = busy_cores_total()
        time.sleep(2)
        busy = (busy_cores_total() - before) / 2
        if busy < below or time.monotonic() > deadline:
            if busy >= below:
                print(f"warning: machine still busy ({busy:.2f} cores) after {max_wait:.0f} s")
            return round(busy, 2)
        print(f"machine busy ({busy:.2f} cores), waiting", flush=True)
        time.sleep(8)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 2**20, 1),
        "load_before": os.getloadavg()[0],
        "postgres": subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


def save(name: str, result: dict[str, Any]) -> Path:
    """Write a result as JSON under var/bench/results/ and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return path


def daphne_rss_kb(pid: int) -> int:
    """Resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def process_alive(pid: int) -> bool:
    """Whether the process still runs (a benchmark's server, by the pid it recorded)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
