"""What the messaging services share: limits, and appending a message to a conversation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F

from messaging import events, selectors
from messaging.exceptions import (
    InvalidMembers,
)
from messaging.markdown import render
from messaging.models import (
    Conversation,
    Membership,
    Mention,
    Message,
    ThreadFollow,
)
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction
from portal.realtime import publish
from portal.realtime.services import publish_topic, topic_follow, topic_unfollow

MAX_BODY_CHARS = 10_000
MAX_MENTIONS = 50
# Above this many members only administrators may mention everyone.
MENTION_ALL_FREE_UP_TO = 50
MAX_GROUP_MEMBERS = 10_000
# Read receipts ("read by N") are shared in direct chats and groups up to this size.
RECEIPTS_MAX_MEMBERS = 50


def conversation_topic(conversation: Conversation) -> str | None:
    """The topic of a broadcast channel: its member-wide events are stored once and every
    member's sockets follow it (docs/realtime.md, "Topics"), instead of one copy per member
    as in direct chats and groups. Channels are where tens of thousands of members are;
    every channel has a topic whatever its size, so a conversation never moves between the
    two kinds of stream (and its members' cursors with it)."""
    if conversation.kind == Conversation.Kind.CHANNEL:
        return f"conversation:{conversation.pk}"
    return None


def announce(
    conversation: Conversation,
    event: dict[str, Any],
    *,
    members: Iterable[Any] | Callable[[], Iterable[Any]] | None = None,
) -> None:
    """Publish an event meant for every current member of ``conversation`` (inside the
    service's transaction): to a channel's topic, or to each member's stream. ``members``
    narrows or supplies the recipients of the latter (a list, or a function that reads
    them: only called where they are needed); by default the current members. A topic
    has no narrowing: a member who hid a message still hears of its edit (clients drop
    events of messages they hid)."""
    topic = conversation_topic(conversation)
    if topic is not None:
        publish_topic(event, topic=topic)
        return
    if members is None:
        recipients: Iterable[Any] = selectors.member_ids(conversation)
    elif callable(members):
        recipients = members()
    else:
        recipients = members
    publish(event, user_ids=recipients)


def members_follow(conversation: Conversation, user_ids: Iterable[Any]) -> None:
    """New members of a channel start following its topic (before the events that
    announce them, so they hear those too)."""
    topic = conversation_topic(conversation)
    if topic is not None:
        topic_follow(topic, user_ids=user_ids)


def members_unfollow(conversation: Conversation, user_ids: Iterable[Any]) -> None:
    """Members who left a channel stop following its topic: nothing more reaches them."""
    topic = conversation_topic(conversation)
    if topic is not None:
        topic_unfollow(topic, user_ids=user_ids)


def active_users(user_ids: Iterable[Any]) -> list[User]:
    ids = list(dict.fromkeys(user_ids))
    users = list(User.objects.filter(pk__in=ids, is_active=True, is_bot=False))
    if len(users) != len(ids):
        found = {str(u.pk) for u in users}
        raise InvalidMembers(users=[str(i) for i in ids if str(i) not in found])
    return users


def system_message(conversation: Conversation, actor: User | None, data: dict[str, Any]) -> Message:
    """Append a system message (precondition: the conversation row is locked). The actor
    has seen their own action: it is not unread for them, as their own messages are not."""
    require_transaction("system_message")
    message = append_message(
        conversation, author=actor, client_id=f"system:{uuid.uuid4()}", body="",
        kind=Message.Kind.SYSTEM, system=data, reply_to=None,
    )  # fmt: skip
    if actor is not None:
        Membership.objects.filter(
            conversation=conversation, user=actor, last_read_seq__lt=message.seq
        ).update(last_read_seq=message.seq)
    return message


def append_message(
    conversation: Conversation,
    *,
    author: User | None,
    client_id: str,
    body: str,
    kind: str,
    system: dict[str, Any],
    reply_to: Message | None,
    thread_root: Message | None = None,
    forwarded_from: dict[str, Any] | None = None,
    mentions: dict[str, Any] | None = None,
    mentioned: set[Any] | None = None,
    attachment_ids: list[Any] | None = None,
    member_ids: list[Any] | None = None,
) -> Message:
    """Append a message to a locked conversation with the next sequence number, bind its
    attachments, record mentions and notifications, and publish it to the members
    (``member_ids``, when the caller has just read them under the same lock)."""
    now = clock.now()
    conversation.last_seq += 1
    conversation.last_message_at = now
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=conversation.last_seq, last_message_at=now
    )
    message = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        author=author,
        client_id=client_id,
        kind=kind,
        body=body,
        body_html=render(body) if body else "",
        system=system,
        reply_to=reply_to,
        thread_root=thread_root,
        forwarded_from=forwarded_from,
        mentions=mentions or {},
        created_at=now,
    )
    _fresh(message, attachments=bool(attachment_ids))
    if mentioned:
        Mention.objects.bulk_create(
            [Mention(message=message, user_id=uid, conversation=conversation, seq=message.seq)
             for uid in mentioned]
        )  # fmt: skip
    if attachment_ids and author is not None:
        from messaging.services.attachments import attachments_bind

        attachments_bind(actor=author, message=message, attachment_ids=attachment_ids)
    recipients = member_ids
    announce(conversation, events.message_event("add", message), members=recipients)
    if kind == Message.Kind.TEXT:
        from messaging.services.notifications import notifications_for_message

        notifications_for_message(message, mentioned=mentioned or set())
    if thread_root is not None:
        Message.objects.filter(pk=thread_root.pk).update(
            reply_count=F("reply_count") + 1, last_reply_at=now
        )
        thread_root.refresh_from_db(fields=["reply_count", "last_reply_at"])
        followers = {thread_root.author_id, author.pk if author else None}
        for follower in followers:
            if follower is not None:
                ThreadFollow.objects.get_or_create(root=thread_root, user_id=follower)
        announce(conversation, events.thread_event(thread_root), members=recipients)
    return message


def _fresh(message: Message, *, attachments: bool) -> None:
    """A message created just now has no reactions and no poll yet (and no attachments
    unless some are bound to it): say so the way ``selectors.for_payload`` does, so that
    rendering it queries nothing."""
    message.prefetched_reactions = []  # type: ignore[attr-defined]
    if not attachments:
        message.prefetched_attachments = []  # type: ignore[attr-defined]
    Message.poll.related.set_cached_value(message, None)
