"""A resumable upload and its download through a live daphne: raw part bodies pass the
ASGI body limit of their URL (and one over it does not), ranges, and a client
that stops reading for a while still gets every byte."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from urllib.parse import urlsplit

import pytest

from portal.storage.base import MIN_PART_SIZE
from tests.factories.accounts import UserFactory
from tests.factories.documents import root_of
from tests.helpers.api import sign_in
from tests.helpers.live import daphne_server, live_env

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["daphne_server", "live_env"]


def test_upload_in_parts_and_download_through_daphne(daphne_server):
    user = UserFactory.create(login="live-docs")
    token = sign_in(user)[1].access_token
    root = root_of(user)
    http = daphne_server.http()
    http.headers["Authorization"] = f"Bearer {token}"
    base = f"{daphne_server.url}/api/v1"
    data = os.urandom(3 * MIN_PART_SIZE + 4321)  # the default part size is 8 MiB: 2 parts
    session = http.post(f"{base}/uploads", json={"folder_id": str(root.pk), "name": "big.bin",
                                                 "size": len(data)}, timeout=10)  # fmt: skip
    assert session.status_code == 201, session.text
    upload = session.json()
    part_size, uid = upload["part_size"], upload["id"]
    raw = {"Content-Type": "application/octet-stream"}
    # Over the URL's limit (the largest part): 413 from the ASGI layer, never the view
    # (daphne takes in a whole body first; nginx bounds it before that in production).
    over = http.put(f"{base}/uploads/{uid}/parts/1", data=b"x" * (part_size + 1),
                    headers=raw, timeout=60)  # fmt: skip
    assert over.status_code == 413 and over.json()["error"]["code"] == "request_too_large"
    for number, start in enumerate(range(0, len(data), part_size), start=1):
        answer = http.put(
            f"{base}/uploads/{uid}/parts/{number}",
            data=data[start : start + part_size],
            headers=raw,
            timeout=60,
        )
        assert answer.status_code == 200, answer.text  # fmt: skip
    done = http.post(f"{base}/uploads/{uid}/complete", timeout=60)
    assert done.status_code == 201, done.text
    document = done.json()
    version = document["current_version"]
    assert version["sha256"] == hashlib.sha256(data).hexdigest()
    link = http.get(f"{base}/documents/{document['id']}/versions/{version['id']}/link",
                    timeout=10).json()["url"]  # fmt: skip
    part = http.get(link, headers={"Range": "bytes=1000-1999"}, timeout=10)
    assert part.status_code == 206 and part.content == data[1000:2000]
    # A client that reads the headers, then nothing for a second, then the rest: the
    # server waits for it (its unsent bytes stay bounded) and sends everything.
    path = urlsplit(link).path
    with socket.create_connection(("127.0.0.1", daphne_server.port), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}"
                     "\r\nConnection: close\r\n\r\n".encode())  # fmt: skip
        received = sock.recv(64 * 1024)
        time.sleep(1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (chunk := sock.recv(1024 * 1024)):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == data
