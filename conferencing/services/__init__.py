"""Every write of calls and conferences (one module per entity, the public names here)."""

from conferencing.services.calls import (
    call_accept,
    call_cancel,
    call_decline,
    call_expire,
    call_hangup,
    call_start,
    calls_expire,
)
from conferencing.services.presence import call_sessions_connected, call_sessions_disconnected

__all__ = [
    "call_accept",
    "call_cancel",
    "call_decline",
    "call_expire",
    "call_hangup",
    "call_sessions_connected",
    "call_sessions_disconnected",
    "call_start",
    "calls_expire",
]
