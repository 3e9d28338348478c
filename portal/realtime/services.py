"""Publishing events to per-user streams and waking the sockets that carry them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from portal import clock
from portal.realtime.models import Event, EventStream

logger = logging.getLogger(__name__)


def user_group(user_id: Any) -> str:
    return f"user.{user_id}"


def auth_session_group(session_id: Any) -> str:
    return f"authsession.{session_id}"


def publish(event: dict[str, Any], *, user_ids: Iterable[Any]) -> list[Event]:
    """Append ``event`` (a dict with ``type`` and ``op``) to each user's stream.

    Must run inside the service's transaction: the rows commit with the change they
    describe, and the sockets are woken only after commit, so no client sees an event for
    data that was rolled back. Users are locked in a fixed order to avoid deadlocks.
    """
    if "type" not in event:
        raise ValueError("an event needs a type")
    recipients = sorted({str(u) for u in user_ids})
    if not recipients:
        return []
    now = clock.now()
    created: list[Event] = []
    with transaction.atomic():
        existing = set(
            EventStream.objects.filter(user_id__in=recipients).values_list("user_id", flat=True)
        )
        missing = [uid for uid in recipients if uid not in {str(e) for e in existing}]
        EventStream.objects.bulk_create(
            [EventStream(user_id=uid) for uid in missing], ignore_conflicts=True
        )
        streams = list(
            EventStream.objects.select_for_update()
            .filter(user_id__in=recipients)
            .order_by("user_id")
        )
        for stream in streams:
            row = Event.objects.create(
                user_id=stream.user_id, type=event["type"], payload=event, created_at=now
            )
            stream.last_event_id = row.id
            created.append(row)
        EventStream.objects.bulk_update(streams, ["last_event_id"])
        transaction.on_commit(lambda: ring(recipients))
    return created


def ring(user_ids: Iterable[str]) -> None:
    """Wake every socket of these users; they read what is new from the log themselves."""
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(_ring_all)
    try:
        send(layer, list(user_ids))
    except Exception:
        # The log holds the events; a socket that misses the doorbell catches up on its
        # next wake-up or reconnect. Losing Redis delays events, never loses them.
        logger.exception("could not ring user streams")


async def _ring_all(layer: Any, user_ids: list[str]) -> None:
    for uid in user_ids:
        await layer.group_send(user_group(uid), {"type": "stream.wake"})


def close_auth_session_sockets(session_ids: Iterable[Any], *, code: int, reason: str) -> None:
    """After commit, close every socket opened with these sign-in sessions."""
    ids = [str(s) for s in session_ids]
    if not ids:
        return

    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        async def _all() -> None:
            for sid in ids:
                await layer.group_send(
                    auth_session_group(sid),
                    {"type": "session.close", "code": code, "reason": reason},
                )

        try:
            async_to_sync(_all)()
        except Exception:
            logger.exception("could not close revoked sessions' sockets")

    transaction.on_commit(_send)
