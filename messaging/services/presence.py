"""Typing indicators and presence: short-lived, sent to sockets, never stored as events."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from messaging import presence, selectors
from messaging.models import Conversation
from portal.accounts.models import User
from portal.realtime.services import send_ephemeral

# Clients show "typing…" this long after the last frame; a typing user re-sends sooner.
TYPING_SECONDS = 6
# At most one typing frame per user and conversation is relayed this often.
TYPING_RELAY_EVERY = 3


def typing_notify(*, actor: User, conversation_id: Any) -> None:
    """Tell the other members that the actor is typing (the indicator expires by itself).
    Not in a channel: its readers see posts, not who of its admins is typing — and a frame
    for each of 100,000 members every few seconds is no indicator worth its cost."""
    conversation, _ = selectors.access_conversation(actor, conversation_id)
    if conversation.kind == Conversation.Kind.CHANNEL:
        return
    if not cache.add(f"typing:{actor.pk}:{conversation.pk}", 1, TYPING_RELAY_EVERY):
        return
    others = [uid for uid in selectors.member_ids(conversation) if uid != actor.pk]
    send_ephemeral(
        {"type": "typing", "conversation_id": str(conversation.pk), "user_id": str(actor.pk),
         "expires_in": TYPING_SECONDS},
        user_ids=others,
    )  # fmt: skip


def presence_set(*, user_id: Any, connection_id: str, state: str) -> None:
    """A socket reports ``online`` or ``away``; contacts hear when the user's presence
    (over all their devices) changes."""
    before, after = presence.presence_report(user_id, connection_id, state)
    if before != after:
        _announce(user_id, after)


def presence_renew(*, connections: list[tuple[Any, str, str]]) -> None:
    """The periodic heartbeat of many sockets at once, each (user id, connection id,
    state); contacts hear of a change only where a report had lapsed."""
    for user_id, connection_id, state in presence.presence_renew(connections):
        presence_set(user_id=user_id, connection_id=connection_id, state=state)


def presence_gone(*, user_id: Any, connection_id: str) -> None:
    """A socket closed."""
    before, after = presence.presence_leave(user_id, connection_id)
    if before != after:
        _announce(user_id, after)


def _announce(user_id: Any, state: str) -> None:
    """Presence goes to the people the user has direct chats with."""
    contacts = selectors.direct_partners(user_id)
    send_ephemeral({"type": "presence", "user_id": str(user_id), "state": state}, user_ids=contacts)
