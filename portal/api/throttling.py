"""Per-user request rates, checked in one Redis round trip.

DRF's ``UserRateThrottle`` keeps each user's request times as a pickled list in the cache:
a read and a write per request, each carrying up to the whole rate's worth of times (600
floats at the default "600/min"). Here the same sliding log is a Redis sorted set changed
by one script, so a request costs one round trip of a few bytes, and two processes never
overwrite each other's count. The limit, the window and the ``Retry-After`` are DRF's.
Without Redis (embedded mode) DRF's own implementation runs.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache, caches
from rest_framework import throttling

from portal.cache import SharedPoolRedisCache, redis_guard

# KEYS[1]: the user's log. ARGV: now, window (s), limit, a unique member for this request.
# Returns {1} when the request is let through (and logged), {0, oldest time} when not.
_SLIDING_LOG = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, oldest[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1}
"""
_scripts: dict[int, Any] = {}


def _script() -> Any | None:
    """The registered script on the shared Redis client, or None without Redis."""
    backend = caches["default"]
    if not isinstance(backend, SharedPoolRedisCache):
        return None
    client = backend._cache.get_client(write=True)
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_SLIDING_LOG)
    return script


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's per-user throttle (scope ``user``), one Redis round trip per request."""

    def allow_request(self, request: Any, view: Any) -> bool:
        script = _script()
        if script is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        this: Any = self  # the stubs leave out the attributes DRF's __init__ sets
        limit, window = this.num_requests, this.duration
        key = cache.make_key(self.key)
        member = f"{self.now}:{uuid.uuid4().hex[:8]}"
        # While Redis is down requests are not counted (and so all allowed): refusing every
        # request for want of a counter would turn a cache outage into a full one.
        result = redis_guard.call(
            lambda: script(keys=[key], args=[self.now, window, limit, member]), lambda: [1]
        )
        if result[0]:
            return True
        # What DRF's ``wait`` reads: the oldest request still in the window, and a full log.
        self.history = [float(result[1])] * limit
        return False
