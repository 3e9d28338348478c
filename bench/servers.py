"""Start and stop the daphne processes the benchmarks run against.

    .venv/bin/python -m bench.servers prepare            # create portal_bench, migrate
    .venv/bin/python -m bench.servers start --count 2    # K daphnes on 127.0.0.1:8701...
    .venv/bin/python -m bench.servers stop
    .venv/bin/python -m bench.servers manage seed_messages --messages 1000000  # any command

Everything runs on loopback against its own database (``portal_bench``), Redis database 12
and Redis key/channel prefix ``portalbench`` (pub/sub channels are not per database, so
the prefix is what keeps the benchmark apart from test runs on the same Redis). Rate
limits are raised so that the load generator is not throttled. The started processes are
recorded in var/bench/servers.json; ``stop`` ends exactly those.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import process_alive

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# BENCH_* variables let two benchmark set-ups run side by side on one machine.
VAR = Path(os.environ.get("BENCH_VAR", ROOT / "var" / "bench"))
STATE = VAR / "servers.json"
DATABASE = os.environ.get("BENCH_DATABASE", "portal_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "12")
REDIS_PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "portalbench")
BASE_PORT = int(os.environ.get("BENCH_BASE_PORT", "8701"))
# The production limit (docs/realtime.md).
MAX_MESSAGE_BYTES = "1048576"


def bench_env(**overrides: str) -> dict[str, str]:
    """The environment of every benchmark process (servers, seeding, fixtures)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "S3_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"{PG}/{DATABASE}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        REDIS_PREFIX=REDIS_PREFIX,
        PORTAL_VAR_DIR=str(VAR / "var"),
        DEBUG="0",
        LOG_LEVEL="WARNING",
        API_RATE_USER="1000000/min",
        MESSAGE_RATE="1000000/min",
        DOWNLOAD_RATE="1000000/min",
        LOGIN_THROTTLE_FREE_ATTEMPTS="1000000",
        LOGIN_THROTTLE_IP_FREE_ATTEMPTS="1000000",
        # Fixture tokens are reused across runs for a week.
        ACCESS_TOKEN_TTL=str(7 * 24 * 3600),
        PYTHONPATH=str(ROOT),
    )
    env.update(overrides)
    return env


def setup_django(**overrides: str) -> None:
    """Configure this process like the servers and set Django up (for fixture steps)."""
    os.environ.update(bench_env(**overrides))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(*, reset: bool) -> None:
    """Create the benchmark database (dropped first with ``reset``) and migrate it."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if exists and reset:
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
            for fixture in VAR.glob("fixture-*.json"):  # their users and tokens are gone
                fixture.unlink()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    VAR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=bench_env(), check=True,
    )  # fmt: skip
    subprocess.run(["redis-cli", "-n", REDIS_DB, "flushdb"], check=True, stdout=subprocess.DEVNULL)


def healthy(port: int) -> bool:
    """The daphne on ``port`` answers /healthz (no proxy: loopback only)."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"http://127.0.0.1:{port}/healthz", timeout=1
        ) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def raise_open_files_limit() -> int:
    """Let this process, and the servers it starts (they inherit it), open as many files as
    the hard limit allows: every socket is one, and 10,000 sockets on two daphnes need more
    than the usual soft limit of 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def start(
    *,
    count: int,
    layer: str = "pubsub",
    pool: bool = True,
    base_port: int = BASE_PORT,
    extra_env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Start ``count`` daphnes on consecutive loopback ports; wait until each answers.
    ``extra_env`` adds variables (the S3 server of bench.documents_transfer)."""
    if load_servers():
        raise SystemExit("servers are running already (bench.servers stop first)")
    VAR.mkdir(parents=True, exist_ok=True)
    raise_open_files_limit()
    env = bench_env(
        BENCH_CHANNEL_LAYER=layer, DATABASE_POOL_MAX_SIZE="20" if pool else "0",
        **(extra_env or {}),
    )  # fmt: skip
    servers: list[dict[str, Any]] = []
    for n in range(count):
        port = base_port + n
        log = VAR / f"daphne-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(BIN / "python"), "-m", "portal.server",
                    "-b", "127.0.0.1", "-p", str(port),
                    "--websocket-max-message-size", MAX_MESSAGE_BYTES,
                    "--websocket-max-frame-size", MAX_MESSAGE_BYTES,
                    "portal.asgi:application",
                ],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        servers.append({"port": port, "pid": process.pid, "log": str(log), "layer": layer,
                        "pool": pool, "url": f"http://127.0.0.1:{port}"})  # fmt: skip
    STATE.write_text(json.dumps(servers, indent=1))
    deadline = time.monotonic() + 60
    for server in servers:
        while not healthy(server["port"]):
            if time.monotonic() > deadline or not process_alive(server["pid"]):
                stop()
                raise SystemExit(f"daphne on {server['port']} did not start; see {server['log']}")
            time.sleep(0.1)
    return servers


def load_servers() -> list[dict[str, Any]]:
    """The servers started by ``start`` that are still running."""
    if not STATE.exists():
        return []
    return [s for s in json.loads(STATE.read_text()) if process_alive(s["pid"])]


def stop() -> None:
    """End the daphnes this module started (by their recorded process ids)."""
    servers = load_servers()
    for server in servers:
        os.kill(server["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 10
    for server in servers:
        while process_alive(server["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(server["pid"], os.WNOHANG)
        if process_alive(server["pid"]):
            os.kill(server["pid"], signal.SIGKILL)
    STATE.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare", help="create and migrate the benchmark database")
    p.add_argument("--reset", action="store_true", help="drop it first")
    s = commands.add_parser("start", help="start daphne processes")
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--layer", choices=["pubsub", "core"], default="pubsub")
    s.add_argument(
        "--no-pool", dest="pool", action="store_false",
        help="no PostgreSQL pool (DATABASE_POOL_MAX_SIZE=0): a connection per request",
    )  # fmt: skip
    s.add_argument("--base-port", type=int, default=BASE_PORT)
    commands.add_parser("stop", help="stop the started processes")
    commands.add_parser("status", help="list the running benchmark servers")
    m = commands.add_parser("manage", help="run a manage.py command on the benchmark database")
    m.add_argument("arguments", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(reset=args.reset)
    elif args.command == "start":
        for server in start(
            count=args.count, layer=args.layer, pool=args.pool, base_port=args.base_port
        ):
            print(f"{server['url']} pid {server['pid']} ({server['layer']} layer)")
    elif args.command == "stop":
        stop()
    elif args.command == "manage":
        command = [str(BIN / "python"), "manage.py", *args.arguments]
        raise SystemExit(subprocess.run(command, cwd=ROOT, env=bench_env(), check=False).returncode)
    else:
        print(json.dumps(load_servers(), indent=1))


if __name__ == "__main__":
    main()
