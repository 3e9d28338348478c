"""The Redis cache shares one connection pool between threads (daphne runs each HTTP
request in a thread of its own; a pool per thread meant a connection per request)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis cache is configured with REDIS_URL")
def test_every_thread_uses_the_same_client_and_sees_the_same_data():
    caches["default"].set("shared-pool-check", 42)
    seen: list[tuple[int, object]] = []

    def use_cache() -> None:
        cache: Any = caches["default"]
        value = cache.get("shared-pool-check")
        seen.append((id(cache._cache.get_client()), value))

    threads = [threading.Thread(target=use_cache) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({client for client, _ in seen}) == 1
    assert [value for _, value in seen] == [42] * 4
