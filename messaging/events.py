"""Events of the messaging app: payloads and exactly who receives them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from messaging.models import Attachment, Conversation, Message, Poll


def message_payload(message: Message) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    return fields_payload(
        message.__dict__,
        reactions=[] if deleted else _reactions(message),
        poll=None if deleted else poll_payload(message),
        attachments=[] if deleted else _attachments(message),
    )


def fields_payload(
    fields: Mapping[str, Any],
    *,
    reactions: list[dict[str, Any]],
    poll: dict[str, Any] | None,
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    """A message as clients see it, from its column values by attribute name (a model
    instance's ``__dict__``, or a row of ``selectors.history_payloads``)."""
    deleted = fields["deleted_at"] is not None
    author_id, reply_to_id, root_id = (
        fields["author_id"], fields["reply_to_id"], fields["thread_root_id"]
    )  # fmt: skip
    last_reply_at, edited_at = fields["last_reply_at"], fields["edited_at"]
    return {
        "id": str(fields["id"]),
        "conversation_id": str(fields["conversation_id"]),
        "seq": fields["seq"],
        "author_id": str(author_id) if author_id else None,
        "client_id": fields["client_id"],
        "kind": fields["kind"],
        "body": "" if deleted else fields["body"],
        "body_html": "" if deleted else fields["body_html"],
        "system": fields["system"],
        "reply_to": str(reply_to_id) if reply_to_id else None,
        "thread_root": str(root_id) if root_id else None,
        "reply_count": fields["reply_count"],
        "last_reply_at": last_reply_at.isoformat() if last_reply_at else None,
        "forwarded_from": fields["forwarded_from"],
        "mentions": fields["mentions"],
        "created_at": fields["created_at"].isoformat(),
        "edited_at": edited_at.isoformat() if edited_at else None,
        "edit_count": fields["edit_count"],
        "deleted": deleted,
        "reactions": [] if deleted else reactions,
        "poll": None if deleted else poll,
        "attachments": [] if deleted else attachments,
    }


# What clients see of an attachment, and the column each comes from. Shared by
# ``attachment_payload`` and the queries that build attachment payloads in SQL
# (``selectors.for_payload``, ``selectors.history_payloads``).
ATTACHMENT_FIELDS = {
    "id": "id", "filename": "filename", "size": "size", "content_type": "content_type",
    "thumbnail": "has_thumbnail",
}  # fmt: skip


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    """An attachment as every member sees it. No URLs: links are per viewer and
    short-lived (``GET /api/v1/attachments/{id}/link``)."""
    payload = {key: getattr(attachment, column) for key, column in ATTACHMENT_FIELDS.items()}
    payload["id"] = str(attachment.id)
    return payload


def _attachments(message: Message) -> list[dict[str, Any]]:
    """The message's attachments in order (those ``selectors.for_payload`` loaded, if it
    was used)."""
    if message._state.adding or message.pk is None:
        return []
    rows = getattr(message, "attachment_rows", None)
    if rows is not None:
        return rows
    attachments = getattr(message, "prefetched_attachments", None)
    if attachments is None:
        attachments = message.attachments.all()
    return [attachment_payload(a) for a in attachments]


def poll_payload(message: Message) -> dict[str, Any] | None:
    """The poll of a message with its results; voters are named unless it is anonymous."""
    poll = getattr(message, "poll", None) if not message._state.adding else None
    return None if poll is None else poll_results(poll)


def poll_results(poll: Poll) -> dict[str, Any]:
    """A poll's question, options and votes (``poll.votes`` prefetched saves a query)."""
    votes: dict[int, list[str]] = {i: [] for i in range(len(poll.options))}
    for vote in poll.votes.all():
        votes.setdefault(vote.option, []).append(str(vote.user_id))
    return {
        "question": poll.question,
        "multiple": poll.multiple,
        "anonymous": poll.anonymous,
        "closed": poll.closed_at is not None,
        "options": [
            {
                "text": text,
                "votes": len(votes[i]),
                "voter_ids": [] if poll.anonymous else votes[i],
            }
            for i, text in enumerate(poll.options)
        ],
    }


def _reactions(message: Message) -> list[dict[str, Any]]:
    """Emoji with their counts and who reacted (the reactions ``selectors.for_payload``
    loaded, if it was used)."""
    if message._state.adding or message.pk is None:
        return []
    rows = getattr(message, "reaction_rows", None)
    if rows is not None:
        return reactions_payload(rows)
    reactions = getattr(message, "prefetched_reactions", None)
    if reactions is None:
        reactions = message.reactions.all()
    return reactions_payload({"emoji": r.emoji, "user": str(r.user_id)} for r in reactions)


def reactions_payload(rows: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Reactions (``emoji``, ``user``) grouped by emoji, the most frequent first."""
    by_emoji: dict[str, list[str]] = {}
    for row in rows:
        by_emoji.setdefault(row["emoji"], []).append(row["user"])
    return [
        {"emoji": emoji, "count": len(users), "user_ids": users}
        for emoji, users in sorted(by_emoji.items(), key=lambda item: -len(item[1]))
    ]


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "kind": conversation.kind,
        "title": conversation.title,
        "description": conversation.description,
        "visibility": conversation.visibility,
        "comments_enabled": conversation.comments_enabled,
        "edit_window_seconds": conversation.edit_window_seconds,
        "last_seq": conversation.last_seq,
    }


def message_event(op: str, message: Message) -> dict[str, Any]:
    """``message.add`` / ``message.update`` (edited, or its attachments ready) /
    ``message.remove`` (deleted for everyone: the tombstone); sent to current members
    (``update`` and ``remove`` not to those who have hidden the message)."""
    return {"type": "message", "op": op, "message": message_payload(message)}


def hidden_event(op: str, message: Message) -> dict[str, Any]:
    """``hidden_message.add`` / ``hidden_message.remove``: one member deleted a message "for
    me" or took that back; to that member's own devices only. ``remove`` carries the
    message, so a device that dropped it can show it again."""
    event: dict[str, Any] = {
        "type": "hidden_message",
        "op": op,
        "conversation_id": str(message.conversation_id),
        "message_id": str(message.id),
    }
    if op == "remove":
        event["message"] = message_payload(message)
    return event


def membership_event(
    op: str, conversation: Conversation, user_ids: Iterable[Any]
) -> dict[str, Any]:
    """``membership.add`` / ``membership.remove``: to the current members and to the users
    added or removed (so their conversation list changes too). ``user_ids`` names everyone
    one call added (or the one removed); ``user_id``, the first of them, is kept for clients
    written when an event named one user."""
    ids = [str(u) for u in user_ids]
    return {
        "type": "membership",
        "op": op,
        "conversation": conversation_payload(conversation),
        "user_id": ids[0],
        "user_ids": ids,
    }


def read_event(conversation: Conversation, user_id: Any, seq: int) -> dict[str, Any]:
    """``read.update``: the reader's own devices (to sync unread counts) and, in direct and
    small group chats, the other members (read receipts)."""
    return {
        "type": "read",
        "op": "update",
        "conversation_id": str(conversation.id),
        "user_id": str(user_id),
        "seq": seq,
    }


def reaction_event(op: str, message: Message, user_id: Any, emoji: str) -> dict[str, Any]:
    """``reaction.add`` / ``reaction.remove``: to the current members."""
    return {
        "type": "reaction",
        "op": op,
        "conversation_id": str(message.conversation_id),
        "message_id": str(message.id),
        "user_id": str(user_id),
        "emoji": emoji,
    }


def pin_event(op: str, message: Message, user_id: Any) -> dict[str, Any]:
    """``pin.add`` / ``pin.remove``: to the current members."""
    return {
        "type": "pin",
        "op": op,
        "conversation_id": str(message.conversation_id),
        "message_id": str(message.id),
        "user_id": str(user_id),
    }


def conversation_event(conversation: Conversation) -> dict[str, Any]:
    """``conversation.update``: title, description or settings changed; to current members."""
    return {
        "type": "conversation",
        "op": "update",
        "conversation": conversation_payload(conversation),
    }


def member_settings_event(membership: Any) -> dict[str, Any]:
    """``member_settings.update``: one member's own settings of a conversation (muted,
    pinned, archived); to that member's devices only."""
    return {
        "type": "member_settings",
        "op": "update",
        "conversation_id": str(membership.conversation_id),
        "muted_until": membership.muted_until.isoformat() if membership.muted_until else None,
        "pinned": membership.pinned,
        "archived": membership.archived,
    }


def role_event(conversation: Conversation, user_id: Any, role: str) -> dict[str, Any]:
    """``membership.update``: a member's role changed; to current members."""
    return {
        "type": "membership",
        "op": "update",
        "conversation_id": str(conversation.id),
        "user_id": str(user_id),
        "role": role,
    }


def thread_event(root: Message) -> dict[str, Any]:
    """``thread.update``: a thread got a reply; to the current members."""
    return {
        "type": "thread",
        "op": "update",
        "conversation_id": str(root.conversation_id),
        "root_id": str(root.id),
        "reply_count": root.reply_count,
        "last_reply_at": root.last_reply_at.isoformat() if root.last_reply_at else None,
    }


def poll_event(message: Message) -> dict[str, Any]:
    """``poll.update``: votes or closing changed the results; to the current members."""
    return {
        "type": "poll",
        "op": "update",
        "conversation_id": str(message.conversation_id),
        "message_id": str(message.id),
        "poll": poll_payload(message),
    }
