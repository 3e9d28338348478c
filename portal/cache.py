"""Django's Redis cache with one connection pool and client per process instead of a new
pool per thread and a new client object per operation."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class _SharedClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        this: Any = self  # django-stubs leave out the client's private attributes
        url = this._servers[this._get_connection_pool_index(write)]
        client = _clients.get(url)
        if client is None:
            with _clients_lock:
                if url not in _clients:
                    pool = this._pool_class.from_url(url, **this._pool_options)
                    _clients[url] = this._client(connection_pool=pool)
                client = _clients[url]
        return client


class SharedPoolRedisCache(RedisCache):
    """Django keeps a cache object per thread, and under daphne every HTTP request runs in
    a thread of its own, so the stock backend opened a new Redis connection (with its
    handshake) for each request, and built a new redis-py client (with its table of ~170
    response callbacks) for each operation. redis-py's clients and pools are thread-safe
    and fork-aware: one per server and process is enough."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClient
