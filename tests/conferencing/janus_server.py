"""A real Janus (Debian's ``janus``) started on loopback for the conference tests.

The configuration is generated in a temporary directory: only the VideoRoom plugin and the
HTTP transport are loaded (each from a folder holding only that library, so no other
transport can bind a port), the HTTP API and the admin API listen on 127.0.0.1 on free
ports, ICE gathers on ``lo`` only and no STUN server is set: nothing leaves loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LIB_DIR = Path("/usr/lib/x86_64-linux-gnu/janus")
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class JanusServer:
    url: str
    admin_url: str
    admin_secret: str
    room_admin_key: str
    log: Path
    pid: int


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(root: Path, *, port: int, admin_port: int, admin_secret: str, key: str) -> Path:
    conf = root / "conf"
    for name, library in (("plugins", "libjanus_videoroom.so"), ("transports", "libjanus_http.so")):
        folder = root / name
        folder.mkdir()
        os.symlink(LIB_DIR / name / library, folder / library)
    for empty in ("events", "loggers"):
        (root / empty).mkdir()
    conf.mkdir()
    (conf / "janus.jcfg").write_text(
        f"""general: {{
    configs_folder = "{conf}"
    plugins_folder = "{root / "plugins"}"
    transports_folder = "{root / "transports"}"
    events_folder = "{root / "events"}"
    loggers_folder = "{root / "loggers"}"
    debug_level = 4
    admin_secret = "{admin_secret}"
    protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"]
}}
media: {{
    rtp_port_range = "20000-40000"
}}
nat: {{
    ice_enforce_list = "lo"
    ignore_mdns = true
    nice_debug = false
}}
plugins: {{
}}
transports: {{
}}
events: {{
    broadcast = false
}}
loggers: {{
}}
"""
    )
    (conf / "janus.transport.http.jcfg").write_text(
        f"""general: {{
    json = "compact"
    base_path = "/janus"
    http = true
    port = {port}
    ip = "127.0.0.1"
    https = false
}}
admin: {{
    admin_base_path = "/admin"
    admin_http = true
    admin_port = {admin_port}
    admin_ip = "127.0.0.1"
    admin_https = false
}}
cors: {{
}}
"""
    )
    (conf / "janus.plugin.videoroom.jcfg").write_text(
        f"""general: {{
    admin_key = "{key}"
    lock_rtp_forward = true
    lock_play_file = true
}}
"""
    )
    return conf


def _ready(url: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=json.dumps({"janus": "ping", "transaction": "ready"}).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback)
            return json.load(response).get("janus") == "pong"
    except OSError:
        return False


@contextlib.contextmanager
def janus_server(root: Path) -> Iterator[JanusServer]:
    """Janus running on loopback until the block ends; fails if it does not answer in time."""
    binary = shutil.which("janus")
    if binary is None:
        raise RuntimeError("Janus is not installed: run `make janus-deps` (apt-get install janus)")
    port, admin_port = _free_port(), _free_port()
    admin_secret, key = secrets.token_hex(16), secrets.token_hex(16)
    conf = _write_config(root, port=port, admin_port=admin_port, admin_secret=admin_secret, key=key)
    log = root / "janus.log"
    url = f"http://127.0.0.1:{port}/janus"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                "-C",
                str(conf / "janus.jcfg"),
                "-F",
                str(conf),
                "-o",
                "-E",
                "lo",
                "-i",
                "127.0.0.1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Janus did not start: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield JanusServer(
            url=url,
            admin_url=f"http://127.0.0.1:{admin_port}/admin",
            admin_secret=admin_secret,
            room_admin_key=key,
            log=log,
            pid=process.pid,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class JanusPeer:
    """A participant's side of the Janus HTTP API, as a browser's janus.js would drive it:
    its own session and VideoRoom handle, and its events read by long poll. Enough to
    prove admission (a publisher ``join``) without media."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = self._post(url, {"janus": "create"})["data"]["id"]
        self.handle = self._post(
            f"{url}/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"}
        )["data"]["id"]

    @staticmethod
    def _post(url: str, body: dict) -> dict:
        body = {**body, "transaction": secrets.token_hex(6)}
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return json.load(response)

    def join(self, *, room: int, feed_id: int, token: str | None) -> dict:
        """Send a publisher join and return the plugin's answer to it (``joined``, or an
        ``error_code``)."""
        body = {"request": "join", "ptype": "publisher", "room": room, "id": feed_id,
                "display": "peer"}  # fmt: skip
        if token is not None:
            body["token"] = token
        ack = self._post(
            f"{self.url}/{self.session}/{self.handle}", {"janus": "message", "body": body}
        )
        assert ack["janus"] in ("ack", "event"), ack
        if ack["janus"] == "event":
            return ack["plugindata"]["data"]
        return self.next_plugin_event()

    def next_plugin_event(self, *, polls: int = 5) -> dict:
        """The next VideoRoom event for this handle (bounded: ``polls`` long polls)."""
        for _ in range(polls):
            with urllib.request.urlopen(  # noqa: S310 (loopback)
                f"{self.url}/{self.session}?maxev=1", timeout=40
            ) as response:
                event = json.load(response)
            if event.get("janus") == "event" and event.get("sender") == self.handle:
                return event["plugindata"]["data"]
        raise AssertionError("no VideoRoom event arrived")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._post(f"{self.url}/{self.session}", {"janus": "destroy"})
