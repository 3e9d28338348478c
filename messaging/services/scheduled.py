"""Scheduled messages: kept now, sent by Celery beat when due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from messaging import selectors
from messaging.exceptions import (
    InvalidMessage,
    InvalidSchedule,
    NotAllowedToPost,
)
from messaging.models import (
    ScheduledMessage,
)
from messaging.permissions import POST_MESSAGE, require_perm
from messaging.services.common import (
    MAX_BODY_CHARS,
)
from messaging.services.messages import message_send
from portal import clock
from portal.accounts.models import User

MAX_SCHEDULE_AHEAD = dt.timedelta(days=365)


def message_schedule(
    *,
    actor: User,
    conversation_id: Any,
    client_id: str,
    body: str,
    send_at: dt.datetime,
    mentions: dict[str, Any] | None = None,
) -> tuple[ScheduledMessage, bool]:
    """Keep a message to be sent at ``send_at``. The same checks as sending now apply
    (membership, right to post, body length) now, and again when it is sent."""
    body = body.strip()
    if not body or len(body) > MAX_BODY_CHARS:
        raise InvalidMessage(max_chars=MAX_BODY_CHARS)
    now = clock.now()
    if not now < send_at <= now + MAX_SCHEDULE_AHEAD:
        raise InvalidSchedule()
    with transaction.atomic():
        conversation, _ = selectors.access_conversation(actor, conversation_id)
        require_perm(actor, conversation, POST_MESSAGE, NotAllowedToPost)
        scheduled, created = ScheduledMessage.objects.get_or_create(
            author=actor, client_id=client_id,
            defaults={"conversation": conversation, "body": body, "send_at": send_at,
                      "mentions": mentions or {}, "created_at": now},
        )  # fmt: skip
        if scheduled.conversation_id != conversation.pk:
            raise InvalidMessage(client_id=["Already used for another message."])
    return scheduled, created


def scheduled_message_cancel(*, actor: User, scheduled_id: Any) -> None:
    """The author cancels a message that has not been sent yet."""
    with transaction.atomic():
        scheduled = selectors.access_scheduled(actor, scheduled_id, for_update=True)
        if scheduled.state == ScheduledMessage.State.PENDING:
            scheduled.state = ScheduledMessage.State.CANCELLED
            scheduled.save(update_fields=["state"])


def scheduled_messages_send_due(*, limit: int = 500) -> int:
    """Send every pending scheduled message that is due; returns how many were sent. One
    that can no longer be sent (the author left, lost the right to post) is marked failed
    with the error code."""
    from portal.errors import PortalError

    sent = 0
    due = ScheduledMessage.objects.filter(
        state=ScheduledMessage.State.PENDING, send_at__lte=clock.now()
    ).order_by("send_at")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            scheduled = (
                ScheduledMessage.objects.select_for_update(skip_locked=True)
                .select_related("author")
                .filter(pk=pk, state=ScheduledMessage.State.PENDING)
                .first()
            )
            if scheduled is None:
                continue  # another worker has it
            try:
                with transaction.atomic():
                    message, _ = message_send(
                        actor=scheduled.author, conversation_id=scheduled.conversation_id,
                        client_id=f"scheduled:{scheduled.pk}", body=scheduled.body,
                        mentions=scheduled.mentions,
                    )  # fmt: skip
            except PortalError as exc:
                scheduled.state, scheduled.error = ScheduledMessage.State.FAILED, exc.code
            else:
                scheduled.state, scheduled.message = ScheduledMessage.State.SENT, message
                sent += 1
            scheduled.save(update_fields=["state", "error", "message"])
    return sent
