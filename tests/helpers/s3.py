"""moto's S3 server on loopback, as the suite's object storage (docs/storage.md).

It runs as a subprocess, not a thread of the test process, so that its state is its own:
nothing a test mocks in-process can reset its buckets, and live daphne servers started by
other fixtures reach it over HTTP like they would reach MinIO.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
# moto checks neither signatures nor keys; these only have to be non-empty.
ACCESS_KEY = "portal-test-access"
SECRET_KEY = "portal-test-secret"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


@dataclass
class S3Server:
    """A running moto server; ``stop()`` ends it."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def storage_settings(self, bucket: str) -> dict[str, str]:
        """A ``settings.STORAGE`` value for a bucket on this server."""
        return {
            "BACKEND": "s3",
            "ENDPOINT": self.endpoint,
            "ACCESS_KEY": ACCESS_KEY,
            "SECRET_KEY": SECRET_KEY,
            "BUCKET": bucket,
            "REGION": REGION,
        }

    def environment(self, bucket: str) -> dict[str, str]:
        """The variables that point a Portal process (daphne, celery) at this server."""
        return {
            "S3_ENDPOINT": self.endpoint,
            "S3_ACCESS_KEY": ACCESS_KEY,
            "S3_SECRET_KEY": SECRET_KEY,
            "S3_BUCKET": bucket,
            "S3_REGION": REGION,
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_path.unlink(missing_ok=True)


def start_s3_server(*, timeout: float = 30.0, attempts: int = 3) -> S3Server:
    """Start moto's server on 127.0.0.1 and a free port; return once it answers HTTP.

    The port is picked by binding to port 0 and releasing it; if another process takes it
    in between, moto exits and another port is tried.
    """
    last_log = ""
    for _ in range(attempts):
        port = _free_port()
        log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        server = S3Server(process=process, port=port, log_path=Path(log.name))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return server
            time.sleep(0.1)
        last_log = server.log_path.read_text(errors="replace")[-2000:]
        server.stop()
    raise RuntimeError(f"moto S3 server did not start on {HOST}:\n{last_log}")
