"""Polls posted as messages: creating, voting, closing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from messaging import events, selectors
from messaging.exceptions import (
    InvalidPoll,
    InvalidVote,
    NotAllowedToPost,
    NotConversationAdmin,
    PollClosed,
)
from messaging.models import (
    Message,
    Poll,
    PollVote,
)
from messaging.permissions import MODERATE_MESSAGES, REACT, require_perm
from messaging.services.common import announce
from messaging.services.messages import message_send
from portal import clock
from portal.accounts.models import User


def poll_create(
    *,
    actor: User,
    conversation_id: Any,
    client_id: str,
    question: str,
    options: list[str],
    multiple: bool,
    anonymous: bool,
) -> tuple[Message, bool]:
    """Post a poll as a message (who may post it is who may post a message)."""
    question = question.strip()
    options = [o.strip() for o in options]
    if not question or not 2 <= len(options) <= 10 or not all(options):
        raise InvalidPoll()
    if len(set(options)) != len(options) or any(len(o) > 200 for o in options):
        raise InvalidPoll()
    with transaction.atomic():
        message, created = message_send(
            actor=actor, conversation_id=conversation_id, client_id=client_id, body=question
        )
        if created:
            Poll.objects.create(
                message=message, question=question, options=options, multiple=multiple,
                anonymous=anonymous,
            )  # fmt: skip
            message.refresh_from_db()
            announce(message.conversation, events.poll_event(message))
    return message, created


def poll_vote(*, actor: User, message_id: Any, options: list[int]) -> Message:
    """Replace the actor's vote with ``options`` (an empty list takes the vote back); takes
    ``react``."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        poll = Poll.objects.select_for_update().filter(message=message).first()
        if poll is None:
            raise InvalidVote()
        if poll.closed_at is not None:
            raise PollClosed()
        require_perm(actor, message.conversation, REACT, NotAllowedToPost)
        chosen = sorted(set(options))
        if any(not 0 <= i < len(poll.options) for i in chosen) or (
            len(chosen) > 1 and not poll.multiple
        ):
            raise InvalidVote()
        PollVote.objects.filter(poll=poll, user=actor).delete()
        PollVote.objects.bulk_create([PollVote(poll=poll, user=actor, option=i) for i in chosen])
        announce(message.conversation, events.poll_event(message))
    return message


def poll_close(*, actor: User, message_id: Any) -> Message:
    """The poll's author or a holder of ``moderate_messages`` closes it; results stay
    visible."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        poll = Poll.objects.select_for_update().filter(message=message).first()
        if poll is None:
            raise InvalidVote()
        if message.author_id != actor.pk:
            require_perm(actor, message.conversation, MODERATE_MESSAGES, NotConversationAdmin)
        if poll.closed_at is None:
            poll.closed_at = clock.now()
            poll.save(update_fields=["closed_at"])
            announce(message.conversation, events.poll_event(message))
    return message
