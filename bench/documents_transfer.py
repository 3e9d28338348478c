"""Upload and download of one large file through Portal, side by side with the same S3
server used directly through the minio SDK (issue 12, "Speed").

    .venv/bin/python -m bench.documents_transfer --size 1GiB      # the lead runs this one
    .venv/bin/python -m bench.documents_transfer --size 64MiB     # a quick check

Starts moto's S3 server on loopback (tests/helpers/s3.py) and one daphne (bench.servers,
database portal_bench) pointed at it; no other benchmark server may be running. Writes a
random file of ``--size`` bytes to a temporary directory, then:

- Portal: the resumable path — ``POST uploads``, every part ``PUT`` in order over one
  keep-alive connection, ``POST uploads/{id}/complete`` — and the download through a
  signed link (``GET documents/{id}/versions/{vid}/link``, then the bytes in 1 MiB reads),
  checked against the file's SHA-256;
- direct: ``put_object`` of the same file with the same part size, and ``get_object``
  read the same way, on the same S3 server.

Reports each throughput (MB/s), Portal's as a fraction of direct (target ≥ 0.70), and the
daphne process's peak resident memory growth over its idle size, sampled every 50 ms from
/proc/<pid>/status (target < 100 MB). Results go to var/bench/results/.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import daphne_rss_kb, machine, save
from bench.servers import load_servers, prepare, setup_django, start, stop

BUCKET = "portal-bench-documents"
READ_CHUNK = 1024 * 1024
MB = 1_000_000
_UNITS = {"": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([a-zA-Z]*)", text.strip())
    if match is None or match.group(2).lower() not in _UNITS:
        raise argparse.ArgumentTypeError(f"a size like 64MiB or 1GiB, not {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


class RssSampler:
    """The peak VmRSS of a process while running, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_kb = daphne_rss_kb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_kb = max(self.peak_kb, daphne_rss_kb(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Api:
    """One keep-alive HTTP connection to the daphne, with the bench user's token."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=300
        )
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None) -> Any:
        headers = dict(self.headers)
        data: bytes | None = raw
        if raw is not None:
            headers["Content-Type"] = "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def download(self, path: str) -> tuple[int, str]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {response.read()[:300]!r}")
        sha, size = hashlib.sha256(), 0
        while chunk := response.read(READ_CHUNK):
            sha.update(chunk)
            size += len(chunk)
        return size, sha.hexdigest()


def make_file(directory: Path, size: int) -> tuple[Path, str]:
    path = directory / "payload.bin"
    sha = hashlib.sha256()
    with path.open("wb") as out:
        left = size
        while left:
            chunk = os.urandom(min(READ_CHUNK * 8, left))
            out.write(chunk)
            sha.update(chunk)
            left -= len(chunk)
    return path, sha.hexdigest()


def through_portal(api: Api, pid: int, path: Path, size: int, sha256: str) -> dict[str, Any]:
    root = api.call("GET", "/api/v1/documents/roots")["results"][0]
    idle_kb = daphne_rss_kb(pid)
    with RssSampler(pid) as upload_rss:
        began = time.monotonic()
        session = api.call(
            "POST", "/api/v1/uploads", {"folder_id": root["id"], "name": path.name, "size": size}
        )
        part_size = session["part_size"]
        with path.open("rb") as source:
            number = 1
            while data := source.read(part_size):
                api.call("PUT", f"/api/v1/uploads/{session['id']}/parts/{number}", raw=data)
                number += 1
        document = api.call("POST", f"/api/v1/uploads/{session['id']}/complete")
        upload_s = time.monotonic() - began
    version = document["current_version"]
    if version["sha256"] != sha256 or version["size"] != size:
        raise RuntimeError(f"Portal stored something else: {version}")
    with RssSampler(pid) as download_rss:
        began = time.monotonic()
        link = api.call("GET", f"/api/v1/documents/{document['id']}/versions/{version['id']}/link")
        got, got_sha = api.download(urlsplit(link["url"]).path)
        download_s = time.monotonic() - began
    if (got, got_sha) != (size, sha256):
        raise RuntimeError("the download differs from the upload")
    return {
        "part_size": part_size,
        "upload_s": round(upload_s, 3),
        "download_s": round(download_s, 3),
        "upload_mb_s": round(size / MB / upload_s, 1),
        "download_mb_s": round(size / MB / download_s, 1),
        "daphne_idle_rss_mb": round(idle_kb / 1024, 1),
        "daphne_upload_rss_growth_mb": round((upload_rss.peak_kb - idle_kb) / 1024, 1),
        "daphne_download_rss_growth_mb": round((download_rss.peak_kb - idle_kb) / 1024, 1),
    }


def direct(s3: Any, path: Path, size: int, sha256: str, part_size: int) -> dict[str, Any]:
    from minio import Minio

    from tests.helpers.s3 import ACCESS_KEY, REGION, SECRET_KEY

    endpoint = urlsplit(s3.endpoint).netloc
    client = Minio(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False,
                   region=REGION)  # fmt: skip
    key = f"direct/{uuid.uuid4()}"
    began = time.monotonic()
    with path.open("rb") as source:
        client.put_object(BUCKET, key, source, size, part_size=part_size, num_parallel_uploads=1)
    upload_s = time.monotonic() - began
    began = time.monotonic()
    response = client.get_object(BUCKET, key)
    sha, got = hashlib.sha256(), 0
    try:
        while chunk := response.read(READ_CHUNK):
            sha.update(chunk)
            got += len(chunk)
    finally:
        response.close()
        response.release_conn()
    download_s = time.monotonic() - began
    if (got, sha.hexdigest()) != (size, sha256):
        raise RuntimeError("the direct download differs")
    return {
        "upload_s": round(upload_s, 3),
        "download_s": round(download_s, 3),
        "upload_mb_s": round(size / MB / upload_s, 1),
        "download_mb_s": round(size / MB / download_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("1GiB"),
                        help="bytes, e.g. 64MiB or 1GiB (default)")  # fmt: skip
    args = parser.parse_args()
    if load_servers():
        raise SystemExit("benchmark servers are running (bench.servers stop first)")
    from tests.helpers.s3 import start_s3_server

    s3 = start_s3_server()
    try:
        prepare(reset=False)
        env = s3.environment(BUCKET)
        setup_django(**env)
        from bench.fixture import ensure_users, issue_tokens

        [user] = ensure_users("docbench", 1)
        [token] = issue_tokens([user])
        [server] = start(count=1, extra_env=env)
        try:
            api = Api(server["url"], token)
            with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
                path, sha256 = make_file(Path(tmp), args.size)
                portal = through_portal(api, server["pid"], path, args.size, sha256)
                sdk = direct(s3, path, args.size, sha256, portal["part_size"])
        finally:
            stop()
    finally:
        s3.stop()
    result = {
        "size_bytes": args.size,
        "portal": portal,
        "direct": sdk,
        "upload_ratio": round(portal["upload_mb_s"] / sdk["upload_mb_s"], 3),
        "download_ratio": round(portal["download_mb_s"] / sdk["download_mb_s"], 3),
        "targets": {"ratio": 0.70, "rss_growth_mb": 100},
        "machine": machine(),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))
    print("saved", save("documents_transfer", result))


if __name__ == "__main__":
    main()
