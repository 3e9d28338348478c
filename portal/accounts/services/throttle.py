"""Growing delays after failed attempts at a secret: sign-in passwords and second-factor codes.

Counters live in the cache (Redis in production) and expire by themselves. A
:class:`Policy` names what is counted. After ``free`` failures for one subject, each
further failure blocks it for ``BASE * 2**(n - free)`` seconds, capped at
``LOGIN_THROTTLE_MAX_DELAY``. The same rule with a higher allowance applies to an address
over all subjects of the policy, which slows password spraying.

- :data:`SIGN_IN`: the subject is a login's key (``portal.accounts.identity``), so
  "admin", "ADMIN" and "аdmin" share one counter, counted per login and address (a
  stranger elsewhere cannot lock a colleague out by guessing).
- :data:`SECOND_FACTOR`: the subject is a user id, counted per user wherever the codes
  come from: whoever tries codes already has the password or a session, and 10⁶ codes
  must not be spread over many addresses.

While Redis is unreachable the counters live in each process's memory: every process then
throttles on its own (an attacker gets the allowance once per process) instead of not at
all, and blocks set meanwhile outlast the outage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache

from portal import clock
from portal.cache import redis_guard

_WINDOW = 24 * 3600
_in_process = LocMemCache("portal-throttle", {"MAX_ENTRIES": 100_000})


def _count(key: str) -> tuple[BaseCache, int]:
    """Add a failure to ``key``'s counter; the store that took it and the new count."""
    if redis_guard.available():
        cache.add(key, 0, _WINDOW)
        try:
            return cache, cache.incr(key)
        except ValueError:  # not there after add: the cache is unreachable
            pass
    _in_process.add(key, 0, _WINDOW)
    return _in_process, _in_process.incr(key)


@dataclass(frozen=True)
class Policy:
    """A key namespace and the settings that hold its allowances."""

    namespace: str
    free_setting: str
    ip_free_setting: str
    # True: the subject's counter is per subject and address; False: per subject.
    per_address: bool


SIGN_IN = Policy(
    "login", "LOGIN_THROTTLE_FREE_ATTEMPTS", "LOGIN_THROTTLE_IP_FREE_ATTEMPTS", per_address=True
)
SECOND_FACTOR = Policy(
    "otp", "OTP_THROTTLE_FREE_ATTEMPTS", "OTP_THROTTLE_IP_FREE_ATTEMPTS", per_address=False
)


@dataclass(frozen=True)
class _Key:
    counter: str
    blocked_until: str
    free: int


def _keys(policy: Policy, subject: str, ip: str | None) -> list[_Key]:
    scoped = f"{subject}|{ip or '-'}" if policy.per_address else subject
    digest = hashlib.sha256(scoped.encode()).hexdigest()[:32]
    ns = policy.namespace
    keys = [
        _Key(f"{ns}fail:pair:{digest}", f"{ns}block:pair:{digest}",
             getattr(settings, policy.free_setting)),
    ]  # fmt: skip
    if ip:
        keys.append(
            _Key(
                f"{ns}fail:ip:{ip}", f"{ns}block:ip:{ip}", getattr(settings, policy.ip_free_setting)
            )
        )
    return keys


def retry_after(policy: Policy, subject: str, ip: str | None) -> int:
    """Seconds until ``subject`` may be tried from ``ip`` again; 0 when it may now."""
    now = clock.now().timestamp()
    waits = [
        int(until - now) + 1
        for key in _keys(policy, subject, ip)
        for store in (cache, _in_process)
        if (until := store.get(key.blocked_until)) is not None and until > now
    ]
    return max(waits, default=0)


def register_failure(policy: Policy, subject: str, ip: str | None) -> int:
    """Count a failed attempt; return the delay it starts (0 while attempts are free)."""
    now = clock.now().timestamp()
    delay = 0
    for key in _keys(policy, subject, ip):
        store, failures = _count(key.counter)
        if failures > key.free:
            step = min(failures - key.free - 1, 20)
            wait = min(
                settings.LOGIN_THROTTLE_BASE_DELAY * 2**step, settings.LOGIN_THROTTLE_MAX_DELAY
            )
            store.set(key.blocked_until, now + wait, wait + 1)
            delay = max(delay, wait)
    return delay


def register_success(policy: Policy, subject: str, ip: str | None) -> None:
    """A success clears the subject's counter (not the address-wide one)."""
    first = _keys(policy, subject, ip)[0]
    for store in (cache, _in_process):
        store.delete_many([first.counter, first.blocked_until])
