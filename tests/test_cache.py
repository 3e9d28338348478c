"""The Redis cache shares one connection pool between threads (daphne runs each HTTP
request in a thread of its own; a pool per thread meant a connection per request)."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.cache import caches


def test_every_thread_uses_the_same_client_and_sees_the_same_data():
    # `make test` sets REDIS_URL; without it this fails rather than skips.
    assert settings.REDIS_URL, "the Redis cache needs REDIS_URL: run `make test`"
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
