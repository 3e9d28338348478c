"""Whether the users joined to conferences still have an event socket (the gateway's
connection hooks, conferencing/realtime_conferences.py): a joined user whose sockets all
closed for ``CONFERENCE_DISCONNECT_GRACE`` leaves, so that a ghost holds no place in the
mesh, no count towards the room's limits and no Janus token.

As for calls (services/presence.py), a socket that closes stamps the user's joined rows
(``lost_at``); any socket of theirs that opens, or that its process's poll renews (every
``WEBSOCKET_POLL_SECONDS``), clears the stamp; the sweep (celery beat
``expire-lost-conference-participants``) sends away those stamped longer than the grace.
Guests have no event socket: their pass's expiry sends them away (conferences_guests.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from conferencing.models import Conference, Participant
from conferencing.services.conferences_participants import depart
from portal import clock

State = Participant.State


def conference_users_disconnected(*, user_ids: Iterable[Any]) -> int:
    """Sockets of these users closed: stamp their joined rows not stamped yet. Returns how
    many were stamped."""
    return Participant.objects.filter(
        user_id__in=list(user_ids), state=State.JOINED, lost_at__isnull=True
    ).update(lost_at=clock.now())


def conference_users_connected(*, user_ids: Iterable[Any]) -> int:
    """These users have a live socket: clear the stamps of their joined rows. Returns how
    many were cleared."""
    users = list(user_ids)
    if not users:
        return 0
    return Participant.objects.filter(
        user_id__in=users, state=State.JOINED, lost_at__isnull=False
    ).update(lost_at=None)


def participants_lost_expire() -> int:
    """Those stamped longer than the grace leave (their Janus token withdrawn, the others
    told), one conference at a time with its row locked. Returns how many left."""
    cutoff = clock.now() - dt.timedelta(seconds=settings.CONFERENCE_DISCONNECT_GRACE)
    due = Participant.objects.filter(
        state=State.JOINED, user__isnull=False, lost_at__lte=cutoff,
        conference__ended_at__isnull=True,
    )  # fmt: skip
    gone = 0
    for conference_id in set(due.values_list("conference_id", flat=True)):
        with transaction.atomic():
            conference = Conference.objects.select_for_update().get(pk=conference_id)
            for participant in due.filter(conference=conference).select_for_update():
                depart(conference, participant, state=State.LEFT)
                gone += 1
    return gone
