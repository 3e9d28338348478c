"""The server the browser benchmark runs against: one daphne on a free loopback port,
serving the built client (frontend/dist) and the API, on its own PostgreSQL database
(``portal_hbench_run``), Redis database 11 and key prefix ``portalbenchclient``.

The environment is ``bench.servers.bench_env`` (DEBUG off, rate limits raised, week-long
access tokens) with the database, Redis and state directory replaced; BENCH_CLIENT_*
variables change them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.servers import BIN, MAX_MESSAGE_BYTES, PG, ROOT, bench_env, healthy

DATABASE = os.environ.get("BENCH_CLIENT_DATABASE", "portal_hbench_run")
REDIS_DB = os.environ.get("BENCH_CLIENT_REDIS_DB", "11")
REDIS_PREFIX = os.environ.get("BENCH_CLIENT_REDIS_PREFIX", "portalbenchclient")
VAR = Path(os.environ.get("BENCH_CLIENT_VAR", ROOT / "var" / "bench-client"))
DIST = ROOT / "frontend" / "dist"


def client_env(dist: Path = DIST) -> dict[str, str]:
    """The environment of the server (serving the client built in ``dist``) and of the
    seeding process."""
    return bench_env(
        DATABASE_URL=f"{PG}/{DATABASE}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        REDIS_PREFIX=REDIS_PREFIX,
        PORTAL_VAR_DIR=str(VAR / "var"),
        FRONTEND_DIST=str(dist),
    )


def prepare(*, reset: bool) -> None:
    """Create the database (dropped first with ``reset``), migrate it, empty Redis db 11
    when the database is new."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if exists and reset:
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    VAR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=client_env(), check=True,
    )  # fmt: skip
    if not exists:
        subprocess.run(
            ["redis-cli", "-n", REDIS_DB, "flushdb"], check=True, stdout=subprocess.DEVNULL
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """End this daphne (its own process group, which it was started in)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start(dist: Path = DIST) -> Server:
    """One daphne (``python -m portal.server``, production websocket limits) on a free
    loopback port, serving the client built in ``dist``; waits up to 60 s for /healthz."""
    VAR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = VAR / "daphne.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "python"), "-m", "portal.server",
                "-b", "127.0.0.1", "-p", str(port),
                "--websocket-max-message-size", MAX_MESSAGE_BYTES,
                "--websocket-max-frame-size", MAX_MESSAGE_BYTES,
                "portal.asgi:application",
            ],
            cwd=ROOT, env=client_env(dist), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(port, process, log)
    deadline = time.monotonic() + 60
    while not healthy(port):
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            raise SystemExit(f"daphne on {port} did not start; see {log}")
        time.sleep(0.1)
    return server
