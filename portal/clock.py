"""The injectable clock: time-dependent logic asks ``clock.now()`` so tests can move time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[FrozenClock]:
    """Within the block ``now()`` returns ``at`` until moved with ``.advance()``."""
    global _frozen
    previous = _frozen
    _frozen = at
    try:
        yield FrozenClock()
    finally:
        _frozen = previous


class FrozenClock:
    def advance(self, seconds: float) -> dt.datetime:
        global _frozen
        assert _frozen is not None
        _frozen = _frozen + dt.timedelta(seconds=seconds)
        return _frozen

    def now(self) -> dt.datetime:
        assert _frozen is not None
        return _frozen
