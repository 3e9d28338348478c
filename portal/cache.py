"""Django's Redis cache with one connection pool and client per process, and Redis treated
as what it is for Portal: a cache and a doorbell, never the only copy of anything.

While Redis is unreachable every cache read is a miss and every write is dropped, so
callers fall back to PostgreSQL (docs/operations.md, "Outages"). ``redis_guard`` remembers
the failure for ``RETRY_SECONDS``: in that time callers skip Redis at once instead of each
waiting for a dead connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What an outage looks like from redis-py: refused, reset, timed out, or still loading.
REDIS_DOWN = (redis_errors.ConnectionError, redis_errors.TimeoutError)
RETRY_SECONDS = 1.0
# Connecting to and talking with Redis: a hung server costs a request at most this.
SOCKET_TIMEOUT_SECONDS = 1.0

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class RedisGuard:
    """Whether Redis answered lately. ``call`` runs an operation, or its fallback while
    Redis is known to be down and when the operation finds it down."""

    def __init__(self) -> None:
        self._down_until = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, error: BaseException) -> None:
        if self.available():
            logger.warning("Redis is unreachable (%s); serving without it", error)
        self._down_until = time.monotonic() + RETRY_SECONDS

    def call(self, operation: Callable[[], T], fallback: Callable[[], T]) -> T:
        if not self.available():
            return fallback()
        try:
            return operation()
        except REDIS_DOWN as error:
            self.failed(error)
            return fallback()


redis_guard = RedisGuard()


def _missing_key() -> Any:
    raise ValueError("the cache is unavailable")  # what Django raises for a missing key


class _SharedClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        this: Any = self  # django-stubs leave out the client's private attributes
        url = this._servers[this._get_connection_pool_index(write)]
        client = _clients.get(url)
        if client is None:
            with _clients_lock:
                if url not in _clients:
                    options = {
                        "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
                        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
                        **this._pool_options,
                    }
                    pool = this._pool_class.from_url(url, **options)
                    _clients[url] = this._client(connection_pool=pool)
                client = _clients[url]
        return client

    # Each operation as Django's, with what a miss or a dropped write returns while Redis
    # is down.
    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return redis_guard.call(lambda: super(_SharedClient, self).add(key, value, timeout),
                                lambda: False)  # fmt: skip

    def get(self, key: Any, default: Any) -> Any:
        return redis_guard.call(lambda: super(_SharedClient, self).get(key, default),
                                lambda: default)  # fmt: skip

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        redis_guard.call(lambda: super(_SharedClient, self).set(key, value, timeout), lambda: None)

    def touch(self, key: Any, timeout: Any) -> bool:
        return redis_guard.call(lambda: super(_SharedClient, self).touch(key, timeout),
                                lambda: False)  # fmt: skip

    def delete(self, key: Any) -> bool:
        return redis_guard.call(lambda: super(_SharedClient, self).delete(key), lambda: False)

    def get_many(self, keys: Any) -> dict[Any, Any]:
        return redis_guard.call(lambda: super(_SharedClient, self).get_many(keys), dict)

    def has_key(self, key: Any) -> bool:
        return redis_guard.call(lambda: super(_SharedClient, self).has_key(key), lambda: False)

    def incr(self, key: Any, delta: int) -> Any:
        return redis_guard.call(lambda: super(_SharedClient, self).incr(key, delta), _missing_key)

    def set_many(self, data: Any, timeout: Any) -> None:
        redis_guard.call(lambda: super(_SharedClient, self).set_many(data, timeout), lambda: None)

    def delete_many(self, keys: Any) -> None:
        redis_guard.call(lambda: super(_SharedClient, self).delete_many(keys), lambda: None)

    def clear(self) -> bool:
        return redis_guard.call(lambda: super(_SharedClient, self).clear(), lambda: False)


class SharedPoolRedisCache(RedisCache):
    """Django keeps a cache object per thread, and under daphne every HTTP request runs in
    a thread of its own, so the stock backend opened a new Redis connection (with its
    handshake) for each request, and built a new redis-py client (with its table of ~170
    response callbacks) for each operation. redis-py's clients and pools are thread-safe
    and fork-aware: one per server and process is enough. Operations degrade to misses
    while Redis is down (``redis_guard``)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClient
