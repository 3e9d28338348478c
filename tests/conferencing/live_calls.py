"""Live pieces of the call tests: a daphne of their own (a tight signalling rate limit, so
a flood is refused whatever the machine's speed), REST on it as a device, and reading the
frames of one socket past the ones a test does not look at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.live import LiveServer, WsClient, start_daphne, stop_daphne

# A burst of this many signals per socket, then one a second.
SIGNAL_BURST = 20


@pytest.fixture(scope="module")
def calls_server(
    live_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {**live_env, "CALL_SIGNAL_BURST": str(SIGNAL_BURST), "CALL_SIGNAL_RATE": "1"}
    server = start_daphne(env, tmp_path_factory.mktemp("daphne") / "calls.log")
    yield server
    stop_daphne(server)


def rest(server: LiveServer, token: str, method: str, path: str, body: Any = None) -> Any:
    """A REST call on the live server as the device of ``token``; its JSON answer."""
    response = server.http().request(
        method, f"{server.url}/api/v1/{path}", json=body, timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code < 300, (response.status_code, response.text[:500])
    return response.json()


# Frames that come and go beside the ones a call test looks at.
NOISE = ("presence", "typing")


async def next_frame(ws: WsClient, *, timeout: float = 5) -> dict[str, Any]:
    """The next frame that is not presence or typing."""
    for _ in range(100):
        frame = await ws.recv(timeout=timeout)
        if frame["type"] not in NOISE:
            return frame
    raise AssertionError("only presence frames")


async def next_event(ws: WsClient, op: str) -> dict[str, Any]:
    """The next frame, which must be a ``call.<op>`` event; its event."""
    frame = await next_frame(ws)
    assert frame["type"] == "event" and frame["event"]["type"] == "call", frame
    if frame["event"]["op"] != op:
        # A system message of a finished call may come first (the call.update is before it).
        raise AssertionError(f"expected call.{op}, got {frame}")
    return dict(frame["event"])


async def quiet(ws: WsClient, within: float = 0.5) -> None:
    """Nothing but presence frames arrives for ``within`` seconds."""
    try:
        frame = await next_frame(ws, timeout=within)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected frame {frame!r}")
