"""Django's Redis cache with one connection pool per process instead of one per thread."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()


class _SharedPoolClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        client: Any = self  # django-stubs leave out the client's private attributes
        url = client._servers[client._get_connection_pool_index(write)]
        with _pools_lock:
            if url not in _pools:
                _pools[url] = client._pool_class.from_url(url, **client._pool_options)
            return _pools[url]


class SharedPoolRedisCache(RedisCache):
    """Django keeps a cache object per thread, and under daphne every HTTP request runs in
    a thread of its own, so the stock backend opened a new Redis connection (with its
    handshake) for each request. redis-py's pools are thread-safe and fork-aware: one per
    server and process is enough."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedPoolClient
