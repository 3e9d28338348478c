"""The Redis cache shares one connection pool between threads (daphne runs each HTTP
request in a thread of its own; a pool per thread meant a connection per request)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
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


def test_with_redis_down_reads_miss_writes_drop_and_redis_is_skipped_meanwhile(monkeypatch):
    """A cache on a port nothing listens on: every operation answers at once as a miss
    (or, for incr, as a missing key), and for a second after the first failure Redis is
    not even tried."""
    from portal import cache as portal_cache
    from portal.cache import SharedPoolRedisCache
    from tests.helpers.private_servers import free_port

    guard = portal_cache.RedisGuard()
    monkeypatch.setattr(portal_cache, "redis_guard", guard)
    down = SharedPoolRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    assert down.get("k", "default") == "default"
    assert not guard.available()
    attempts: list[str] = []
    client = down._cache.get_client()
    monkeypatch.setattr(client, "get", lambda *a, **k: attempts.append("get"))
    down.set("k", 1)
    assert down.get_many(["k"]) == {} and down.add("k", 1) is False
    assert down.get_or_set("k", 7) == 7  # computed, not stored
    with pytest.raises(ValueError):
        down.incr("k")
    down.delete("k")
    assert attempts == []  # skipped while known to be down
    monkeypatch.setattr(portal_cache, "RETRY_SECONDS", 0.0)
    guard.failed(RuntimeError("still down"))
    down.get("k")
    assert attempts == ["get"]  # once the second is over, Redis is tried again
