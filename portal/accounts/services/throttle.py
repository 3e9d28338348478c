"""Growing delays after failed sign-ins, per login+address and per address.

Counters live in the cache (Redis in production) and expire by themselves. After
``LOGIN_THROTTLE_FREE_ATTEMPTS`` failures for one login from one address, each further
failure blocks that pair for ``BASE * 2**(n - free)`` seconds, capped at
``LOGIN_THROTTLE_MAX_DELAY``. The same rule with a higher allowance applies to an address
over all logins, which slows password spraying.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from portal import clock

_WINDOW = 24 * 3600


@dataclass(frozen=True)
class _Key:
    counter: str
    blocked_until: str
    free: int


def _keys(login: str, ip: str | None) -> list[_Key]:
    pair = hashlib.sha256(f"{login.lower()}|{ip or '-'}".encode()).hexdigest()[:32]
    keys = [
        _Key(
            f"loginfail:pair:{pair}",
            f"loginblock:pair:{pair}",
            settings.LOGIN_THROTTLE_FREE_ATTEMPTS,
        )
    ]
    if ip:
        keys.append(
            _Key(
                f"loginfail:ip:{ip}",
                f"loginblock:ip:{ip}",
                settings.LOGIN_THROTTLE_IP_FREE_ATTEMPTS,
            )
        )
    return keys


def retry_after(login: str, ip: str | None) -> int:
    """Seconds until this login may be tried from this address again; 0 when it may now."""
    now = clock.now().timestamp()
    waits = [
        int(until - now) + 1
        for key in _keys(login, ip)
        if (until := cache.get(key.blocked_until)) is not None and until > now
    ]
    return max(waits, default=0)


def register_failure(login: str, ip: str | None) -> int:
    """Count a failed attempt; return the delay it starts (0 while attempts are free)."""
    now = clock.now().timestamp()
    delay = 0
    for key in _keys(login, ip):
        cache.add(key.counter, 0, _WINDOW)
        failures = cache.incr(key.counter)
        if failures > key.free:
            step = min(failures - key.free - 1, 20)
            wait = min(
                settings.LOGIN_THROTTLE_BASE_DELAY * 2**step, settings.LOGIN_THROTTLE_MAX_DELAY
            )
            cache.set(key.blocked_until, now + wait, wait + 1)
            delay = max(delay, wait)
    return delay


def register_success(login: str, ip: str | None) -> None:
    """A successful sign-in clears the login+address counter (not the address-wide one)."""
    pair = _keys(login, ip)[0]
    cache.delete_many([pair.counter, pair.blocked_until])
