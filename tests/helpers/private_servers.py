"""A private Redis and a private PostgreSQL on loopback ports, for tests that stop and start
them mid-test (outages). Never the suite's shared servers: stopping those would break every
other test.

PostgreSQL refuses to run as root, so under root (CI) its commands run as the ``postgres``
system user that Debian's package creates.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


@dataclass
class PrivateRedis:
    """``redis-server`` on its own loopback port, keeping nothing on disk."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2)

        def ready() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        _wait(ready, "private Redis")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in versions:
        if (directory / name).exists():
            return str(directory / name)
    raise RuntimeError(f"PostgreSQL's {name} is not installed")


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster in ``directory`` on its own loopback port."""

    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    @classmethod
    def in_temporary_directory(cls) -> PrivatePostgres:
        """In a new directory under the system's temporary one: pytest's own are private
        to root, and the server runs as ``postgres``."""
        return cls(Path(tempfile.mkdtemp(prefix="portal-test-pg-")))

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command)} failed:\n{output}")

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.directory / "data"), "-U", "postgres",
                  "-A", "trust", "--no-sync", "-E", "UTF8")  # fmt: skip
        self.start()
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "portal")  # fmt: skip

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-k {self.directory} -c fsync=off")  # fmt: skip
        self._run(_pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-o", options,
                  "-l", str(self.directory / "log"), "-w", "start")  # fmt: skip

    def stop(self, *, missing_ok: bool = False) -> None:
        """Stop at once, as a crash or a pulled cable would (``-m immediate``)."""
        if missing_ok and not (self.directory / "data" / "postmaster.pid").exists():
            return
        self._run(_pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate",
                  "-w", "stop")  # fmt: skip

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
