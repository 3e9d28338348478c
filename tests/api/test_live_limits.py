"""Body limits on a real daphne, over a raw socket: a chunked body (no Content-Length) is
refused with 413 once it is over the limit, in the error format, and nothing is written."""

from __future__ import annotations

import json
import socket

import pytest

from portal.audit.models import AuditEvent
from tests.helpers.live import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 1024 * 1024  # MAX_REQUEST_BYTES in the live server's environment (the default)


def _exchange(server: LiveServer, head: str, chunks: list[bytes], *, chunked: bool) -> bytes:
    """Send a request head and its body (in chunked encoding when ``chunked``); the whole
    answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(head.encode("latin-1"))
        try:
            for chunk in chunks:
                if chunked:
                    sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                else:
                    sock.sendall(chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the body is all sent
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer:
                headers, _, body = answer.partition(b"\r\n\r\n")
                length = [
                    int(line.split(b":", 1)[1])
                    for line in headers.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length and len(body) >= length[0]:
                    break
        return answer


def _parse(answer: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, json.loads(body) if body else {}


def _head(
    content_type: str, *, length: int | None = None, request: str = "POST /api/v1/auth/login"
) -> str:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"{request} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {content_type}\r\n{framing}\r\nAccept-Language: en\r\n"
        "Connection: close\r\n\r\n"
    )


@pytest.mark.parametrize(
    "content_type,size,limit",
    [("application/json", LIMIT + 1, LIMIT), ("application/json", 3 * LIMIT, LIMIT)],
)
def test_a_chunked_body_over_the_limit_is_413(daphne_server, content_type, size, limit):
    before = AuditEvent.objects.count()
    chunk = b" " * 65536
    chunks = [chunk] * (size // len(chunk)) + [b" " * (size % len(chunk))]
    status, headers, body = _parse(
        _exchange(daphne_server, _head(content_type), chunks, chunked=True)
    )
    assert status == 413, body
    assert body["error"]["code"] == "request_too_large"
    assert body["error"]["details"] == {"limit_bytes": limit}
    assert body["error"]["message"] == "The request body is too large."
    assert headers["cache-control"] == "no-store"
    assert AuditEvent.objects.count() == before


def test_a_chunked_body_under_the_limit_reaches_the_view(daphne_server):
    payload = json.dumps({"login": "nobody", "password": "x" * 10, "device": {"id": "d"}})
    raw = payload.encode()
    chunks = [raw[:10], raw[10:]]
    status, _, body = _parse(
        _exchange(daphne_server, _head("application/json"), chunks, chunked=True)
    )
    assert status == 400, body  # the view judged it: the device has no platform
    assert body["error"]["code"] == "validation_failed"


def test_a_declared_length_over_the_limit_is_413(daphne_server):
    size = LIMIT + 10
    status, _, body = _parse(
        _exchange(
            daphne_server, _head("application/json", length=size), [b" " * size], chunked=False
        )
    )
    assert status == 413
    assert body["error"]["code"] == "request_too_large"


def test_an_upload_may_be_larger_than_a_json_body(daphne_server):
    # Multipart bodies are judged by MAX_UPLOAD_BYTES (100 MB): 2 MB passes the limit and
    # reaches authentication, which refuses the anonymous caller. (Twisted parses a
    # multipart body itself and answers 400 to a malformed one, so this one is well formed.)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + b"x" * (2 * LIMIT) + b"\r\n--b--\r\n"
    )
    chunks = [body[n : n + 65536] for n in range(0, len(body), 65536)]
    head = _head("multipart/form-data; boundary=b", request="PUT /api/v1/me/avatar")
    status, _, answer = _parse(_exchange(daphne_server, head, chunks, chunked=True))
    assert status == 401, answer
    assert answer["error"]["code"] == "not_authenticated"
