"""BodyLimitASGI on its own: what the wrapped application sees of a body over the limit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from portal.api.middleware import BodyLimitASGI

LIMIT = 1024 * 1024


class App:
    """Reads the body as Django's ASGI handler does; answers 200 unless told the client left."""

    def __init__(self) -> None:
        self.called = False
        self.received = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # Django drops the request unanswered (RequestAborted)
            self.received += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _run(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[App, list[dict]]:
    app = App()
    sent: list[dict] = []
    queue = [
        {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
        for n, chunk in enumerate(chunks)
    ]

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/conversations", "headers": headers}
    asyncio.run(BodyLimitASGI(app)(scope, receive, send))
    return app, sent


def _status_and_error(sent: list[dict]) -> tuple[int, dict]:
    return sent[0]["status"], json.loads(sent[1]["body"])["error"]


def test_a_declared_length_over_the_limit_never_reaches_the_application():
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2000000")]
    app, sent = _run(headers, [b"x" * 10])
    assert not app.called
    status, error = _status_and_error(sent)
    assert (status, error["code"], error["details"]) == (
        413, "request_too_large", {"limit_bytes": LIMIT},
    )  # fmt: skip


@pytest.mark.parametrize("content_type", [b"application/json", b"text/plain", b""])
def test_a_chunked_body_is_cut_off_at_the_limit(content_type):
    chunks = [b"x" * 65536] * 40  # 2.5 MB in all
    app, sent = _run([(b"content-type", content_type)], chunks)
    assert app.called
    assert app.received <= LIMIT  # the application never got more than the limit
    status, error = _status_and_error(sent)
    assert (status, error["code"]) == (413, "request_too_large")
    assert len(sent) == 2  # only the refusal went out


def test_uploads_have_the_upload_limit_and_small_bodies_pass():
    upload = [(b"content-type", b"multipart/form-data; boundary=x")]
    app, sent = _run(upload, [b"x" * 65536] * 40)
    assert app.received == 40 * 65536
    assert sent[0]["status"] == 200
    app, sent = _run([(b"content-type", b"application/json")], [b"{}", b""])
    assert sent[0]["status"] == 200


def test_the_refusal_speaks_the_accept_language():
    headers = [(b"content-length", b"2000000"), (b"accept-language", b"en-GB,en;q=0.8")]
    _, sent = _run(headers, [b""])
    assert _status_and_error(sent)[1]["message"] == "The request body is too large."
    _, sent = _run([(b"content-length", b"2000000")], [b""])
    assert _status_and_error(sent)[1]["message"] == "Тело запроса слишком велико."
