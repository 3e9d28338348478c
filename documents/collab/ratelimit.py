"""How fast one editing socket may send (docs/collab.md, "Rate limit"): a token bucket per
socket, refilled at COLLAB_MESSAGE_RATE messages a second up to COLLAB_MESSAGE_BURST. A
socket that finds it empty is closed (4429 ``too_many_messages``): every message it sends
costs the room a decode, an INSERT or a broadcast to every other socket, so a flood would
slow everyone else down. Time comes from ``portal.clock``."""

from __future__ import annotations

from django.conf import settings

from portal import clock


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` kept; full at first."""

    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate, self.burst = float(rate), float(burst)
        self.tokens = self.burst
        self.at = clock.now().timestamp()

    def take(self) -> bool:
        """Spend one token if there is one; whether there was."""
        now = clock.now().timestamp()
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def socket_bucket() -> TokenBucket:
    """The bucket of a new editing socket, from the settings."""
    return TokenBucket(rate=settings.COLLAB_MESSAGE_RATE, burst=settings.COLLAB_MESSAGE_BURST)
