"""Service calls from browser tests, as another user acting meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def off_loop(call: Callable[[], T]) -> T:
    """Run a service call on another thread and return its result. Playwright's sync API
    keeps an asyncio loop running on the test's thread, where a service's publish cannot
    ring the sockets (async_to_sync refuses to run there): the event would be stored but
    reach the open pages only on their next reconnect."""

    def run() -> T:
        try:
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)
