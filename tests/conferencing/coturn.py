"""Debian's coturn (``turnserver``, installed by ``make calls-deps``) on loopback for the
tests: its own port and configuration in a temporary directory, Portal's shared-secret
scheme (``use-auth-secret``), relaying on 127.0.0.1 only. ``allow-loopback-peers`` is
for this test server only: production refuses loopback and private peers
(deploy/coturn/turnserver.conf)."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CONFIG = """\
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port={port}
use-auth-secret
static-auth-secret={secret}
realm=portal.test
allow-loopback-peers
no-tls
no-dtls
no-cli
no-multicast-peers
fingerprint
no-software-attribute
pidfile={root}/turnserver.pid
userdb={root}/turndb
log-file=stdout
simple-log
"""


@dataclass(frozen=True)
class Coturn:
    port: int
    secret: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"


def _free_udp_and_tcp_port() -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on loopback")


def _answers_stun(port: int) -> bool:
    """A STUN Binding request (RFC 5389) to the server gets an answer."""
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + secrets.token_bytes(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(0.2)
        udp.sendto(request, ("127.0.0.1", port))
        try:
            reply = udp.recv(2048)
        except OSError:
            return False
    return reply[:2] == b"\x01\x01" and reply[8:20] == request[8:20]


@pytest.fixture(scope="module")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Coturn]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.fail("coturn is not installed: run `make calls-deps`")  # never skipped
    root = tmp_path_factory.mktemp("coturn")
    port, secret = _free_udp_and_tcp_port(), secrets.token_urlsafe(24)
    (root / "turnserver.conf").write_text(CONFIG.format(port=port, secret=secret, root=root))
    log = root / "turnserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-c", str(root / "turnserver.conf")], stdout=out, stderr=subprocess.STDOUT
        )
    server = Coturn(port=port, secret=secret, process=process, log=log)
    try:
        deadline = time.monotonic() + 20
        while not _answers_stun(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"coturn did not start:\n{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
