"""Whether the devices of active calls still have a socket (the gateway's connection
hooks, conferencing/realtime.py): a party whose sign-in session lost every socket for
``CALL_DISCONNECT_GRACE`` ends the call (services/calls.py, ``call_expire``).

Kept on the call row, not per socket: a session's socket that closes stamps the call
(``caller_lost_at`` / ``callee_lost_at``); any socket of that session that opens, or that
the process's poll renews (every ``WEBSOCKET_POLL_SECONDS``, on whatever node it is),
clears it. A session with two sockets on two nodes (two browser tabs) that loses one is
therefore cleared by the other's next renewal, within the poll interval: the grace must be
longer (settings check it). An answer stamps both parties (services/calls.py,
``call_accept``), so a device that answered or called over REST and never opened a socket
does not hold the call for ever; a live socket's renewal clears the stamp in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from conferencing.models import Call
from conferencing.services.calls import schedule_expiry
from portal import clock

_ACTIVE = Q(state__in=Call.ACTIVE_STATES)


def call_sessions_disconnected(*, session_ids: Iterable[Any]) -> int:
    """Sockets of these sessions closed: stamp their active calls (if not stamped yet) and
    queue a check for when the grace is over. Returns how many calls were stamped."""
    sessions = list(session_ids)
    now = clock.now()
    with transaction.atomic():
        callers = Call.objects.filter(
            _ACTIVE, caller_session_id__in=sessions, caller_lost_at__isnull=True
        )
        callees = Call.objects.filter(
            _ACTIVE, accepted_session_id__in=sessions, callee_lost_at__isnull=True
        )
        stamped = list(callers.values_list("pk", flat=True)) + list(
            callees.values_list("pk", flat=True)
        )
        if not stamped:
            return 0
        callers.update(caller_lost_at=now)
        callees.update(callee_lost_at=now)
        transaction.on_commit(lambda: _schedule_all(stamped))
    return len(stamped)


def _schedule_all(call_ids: list[Any]) -> None:
    for pk in call_ids:
        schedule_expiry(pk, settings.CALL_DISCONNECT_GRACE)


def call_sessions_connected(*, session_ids: Iterable[Any]) -> int:
    """These sessions have a live socket: clear the stamps of their calls (two statements
    on the active calls only, however many sessions). Returns how many were cleared."""
    sessions = list(session_ids)
    if not sessions:
        return 0
    cleared = Call.objects.filter(
        _ACTIVE, caller_session_id__in=sessions, caller_lost_at__isnull=False
    ).update(caller_lost_at=None)
    cleared += Call.objects.filter(
        _ACTIVE, accepted_session_id__in=sessions, callee_lost_at__isnull=False
    ).update(callee_lost_at=None)
    return cleared
