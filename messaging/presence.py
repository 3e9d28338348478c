"""Who is online: each connected socket reports its state; a user is online if any of
their sockets is, away if all are away, offline when none is left.

Kept in Redis (a sorted set per user, scored by expiry) so every daphne process sees the
same picture and a process that dies leaves nothing behind for longer than ``TTL``; in
embedded mode (one process, no Redis) a dictionary stands in. While Redis is down,
presence degrades quietly: reports are dropped, everyone reads as offline and nothing
lapses, so no one is announced as gone for the outage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings

from portal.cache import SOCKET_TIMEOUT_SECONDS, redis_guard

# A socket that has not reported for this long no longer counts.
TTL_SECONDS = 75
STATES = ("online", "away")


class _MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, tuple[float, str]]] = {}

    def put(self, user: str, connection: str, state: str, expires: float) -> None:
        with self._lock:
            self._data.setdefault(user, {})[connection] = (expires, state)

    def remove(self, user: str, connection: str) -> None:
        with self._lock:
            self._data.get(user, {}).pop(connection, None)

    def renew(self, entries: list[tuple[str, str, str]], expires: float, now: float) -> list[bool]:
        with self._lock:
            lapsed = []
            for user, connection, state in entries:
                current = self._data.get(user, {}).get(connection)
                fresh = current is not None and current[0] > now and current[1] == state
                if fresh:
                    self._data[user][connection] = (expires, state)
                lapsed.append(not fresh)
            return lapsed

    def states(self, user: str, now: float) -> list[str]:
        with self._lock:
            live = {c: v for c, v in self._data.get(user, {}).items() if v[0] > now}
            self._data[user] = live
            return [state for _, state in live.values()]

    def states_of(self, users: list[str], now: float) -> list[list[str]]:
        return [self.states(user, now) for user in users]


class _RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self._prefix = prefix

    def _key(self, user: str) -> str:
        return f"{self._prefix}:presence:{user}"

    def put(self, user: str, connection: str, state: str, expires: float) -> None:
        redis_guard.call(lambda: self._put(user, connection, state, expires), lambda: None)

    def renew(self, entries: list[tuple[str, str, str]], expires: float, now: float) -> list[bool]:
        return redis_guard.call(
            lambda: self._renew(entries, expires, now), lambda: [False] * len(entries)
        )

    def remove(self, user: str, connection: str) -> None:
        redis_guard.call(
            lambda: self._redis.zrem(self._key(user), *(f"{connection}|{s}" for s in STATES)),
            lambda: None,
        )

    def states(self, user: str, now: float) -> list[str]:
        members: Any = redis_guard.call(
            lambda: self._redis.zrangebyscore(self._key(user), now, "+inf"), list
        )
        return [str(m).rsplit("|", 1)[1] for m in members]

    def states_of(self, users: list[str], now: float) -> list[list[str]]:
        # One round trip for any number of users: the sets are read in one pipeline.
        def read() -> list[Any]:
            pipe = self._redis.pipeline(transaction=False)
            for user in users:
                pipe.zrangebyscore(self._key(user), now, "+inf")
            return list(pipe.execute())

        replies: list[Any] = redis_guard.call(read, lambda: [[] for _ in users])
        return [[str(m).rsplit("|", 1)[1] for m in members] for members in replies]

    def _put(self, user: str, connection: str, state: str, expires: float) -> None:
        key = self._key(user)
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", time.time())
        # One member per connection: drop its old state before adding the new one.
        for other in STATES:
            pipe.zrem(key, f"{connection}|{other}")
        pipe.zadd(key, {f"{connection}|{state}": expires})
        pipe.expire(key, TTL_SECONDS * 2)
        pipe.execute()

    def _renew(self, entries: list[tuple[str, str, str]], expires: float, now: float) -> list[bool]:
        pipe = self._redis.pipeline(transaction=False)
        for user, connection, state in entries:
            pipe.zscore(self._key(user), f"{connection}|{state}")
        scores = pipe.execute()
        lapsed = [score is None or float(score) <= now for score in scores]
        pipe = self._redis.pipeline(transaction=False)
        for (user, connection, state), gone in zip(entries, lapsed, strict=True):
            if not gone:
                pipe.zadd(self._key(user), {f"{connection}|{state}": expires}, xx=True)
                pipe.expire(self._key(user), TTL_SECONDS * 2)
        pipe.execute()
        return lapsed


@cache
def _store() -> Any:
    if settings.REDIS_URL:
        return _RedisStore(settings.REDIS_URL, getattr(settings, "REDIS_PREFIX", "portal"))
    return _MemoryStore()


def _aggregate(states: list[str]) -> str:
    if "online" in states:
        return "online"
    return "away" if states else "offline"


def presence_of(user_ids: Iterable[Any]) -> dict[str, str]:
    """``online``, ``away`` or ``offline`` for each user, in one Redis round trip."""
    users = list(dict.fromkeys(str(u) for u in user_ids))
    if not users:
        return {}
    states = _store().states_of(users, time.time())
    return {user: _aggregate(live) for user, live in zip(users, states, strict=True)}


def presence_report(user_id: Any, connection_id: str, state: str) -> tuple[str, str]:
    """A socket says it is there (``online`` or ``away``); returns the user's presence
    before and after, so the caller can tell others only when it changed."""
    if state not in STATES:
        raise ValueError(state)
    user = str(user_id)
    now = time.time()
    before = _aggregate(_store().states(user, now))
    _store().put(user, connection_id, state, now + TTL_SECONDS)
    return before, _aggregate(_store().states(user, now))


def presence_renew(entries: list[tuple[Any, str, str]]) -> list[tuple[Any, str, str]]:
    """Renew the reports of many sockets, each (user id, connection id, state), in two round
    trips; returns those whose report had lapsed (their user may have looked offline
    meanwhile): they must report again with ``presence_report``."""
    if not entries:
        return []
    now = time.time()
    keyed = [(str(user), connection, state) for user, connection, state in entries]
    lapsed = _store().renew(keyed, now + TTL_SECONDS, now)
    return [entry for entry, gone in zip(entries, lapsed, strict=True) if gone]


def presence_leave(user_id: Any, connection_id: str) -> tuple[str, str]:
    """A socket closed; returns the user's presence before and after."""
    user = str(user_id)
    now = time.time()
    before = _aggregate(_store().states(user, now))
    _store().remove(user, connection_id)
    return before, _aggregate(_store().states(user, now))


def is_connected(user_id: Any) -> bool:
    """Whether any socket of the user is live (online or away)."""
    return presence_of([user_id])[str(user_id)] != "offline"


def connected_among(user_ids: Iterable[Any]) -> set[str]:
    """The ids (as strings) of those of these users with a live socket, found in one Redis
    round trip however many they are; with Redis down, none."""
    return {user for user, state in presence_of(user_ids).items() if state != "offline"}
