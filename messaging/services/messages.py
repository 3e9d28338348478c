"""Messages: sending (with mentions, replies, threads), editing (with history), deleting for
everyone or "for me", forwarding, reactions and pins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import emoji as emoji_lib
from django.db import IntegrityError, transaction

from messaging import events, selectors
from messaging.exceptions import (
    DeleteNotAllowed,
    EditNotAllowed,
    InvalidMessage,
    InvalidReaction,
    MentionAllNotAllowed,
    NotAllowedToPost,
    NotConversationAdmin,
    TooManyMentions,
)
from messaging.markdown import render
from messaging.models import (
    Conversation,
    HiddenMessage,
    Membership,
    Message,
    MessageEdit,
    Pin,
    Reaction,
    ThreadFollow,
)
from messaging.permissions import (
    COMMENT_IN_THREADS,
    MENTION_ALL,
    MODERATE_MESSAGES,
    PIN_MESSAGES,
    POST_MESSAGE,
    REACT,
    perms_of,
    require_perm,
)
from messaging.services.attachments import attachments_purge
from messaging.services.common import (
    MAX_BODY_CHARS,
    MAX_MENTIONS,
    MENTION_ALL_FREE_UP_TO,
    announce,
    append_message,
)
from portal import clock
from portal.accounts.models import User
from portal.realtime import publish


def message_send(
    *,
    actor: User,
    conversation_id: Any,
    client_id: str,
    body: str,
    reply_to_id: Any = None,
    thread_root_id: Any = None,
    forwarded_from: dict[str, Any] | None = None,
    mentions: dict[str, Any] | None = None,
    attachment_ids: list[Any] | None = None,
) -> tuple[Message, bool]:
    """Post a message (or a reply in the thread under ``thread_root_id``); returns it and
    whether it was created now.

    The same ``client_id`` from the same author returns the first message and creates
    nothing (safe retries). Posting in the timeline takes ``post_message`` (in a channel
    only owners and admins hold it; read-only members never do); a thread reply takes that
    or ``comment_in_threads`` where the conversation has ``comments_enabled``. Bodies
    are up to 10,000 characters of Markdown, empty only with attachments: the author's own
    uploads to this conversation not sent yet (``attachments.attachments_bind``).
    """
    body = body.strip()
    if len(body) > MAX_BODY_CHARS or not (body or attachment_ids):
        raise InvalidMessage(max_chars=MAX_BODY_CHARS)
    mentions = mentions or {}
    if len(mentions.get("users", [])) + len(mentions.get("departments", [])) > MAX_MENTIONS:
        raise TooManyMentions(max=MAX_MENTIONS)
    try:
        return _message_send_locked(
            actor=actor, conversation_id=conversation_id, client_id=client_id, body=body,
            reply_to_id=reply_to_id, thread_root_id=thread_root_id,
            forwarded_from=forwarded_from, mentions=mentions, attachment_ids=attachment_ids,
        )  # fmt: skip
    except IntegrityError:
        # The same client id sent at the same moment into another conversation: the
        # conversation lock does not serialise the two, the unique (author, client_id)
        # index does. This savepoint is rolled back; answer as a retry would be answered.
        existing = Message.objects.filter(author=actor, client_id=client_id).first()
        if existing is None:
            raise
        conversation, _ = selectors.access_conversation(actor, conversation_id)
        return _repeated(existing, conversation), False


def _repeated(existing: Message, conversation: Conversation) -> Message:
    """The message a repeated client id returns; InvalidMessage when it was used in another
    conversation."""
    if existing.conversation_id != conversation.pk:
        raise InvalidMessage(client_id=["Already used for another message."])
    return existing


def _message_send_locked(
    *,
    actor: User,
    conversation_id: Any,
    client_id: str,
    body: str,
    reply_to_id: Any,
    thread_root_id: Any,
    forwarded_from: dict[str, Any] | None,
    mentions: dict[str, Any],
    attachment_ids: list[Any] | None,
) -> tuple[Message, bool]:
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        # Checked under the conversation lock, so two concurrent retries cannot both insert.
        existing = Message.objects.filter(author=actor, client_id=client_id).first()
        if existing is not None:
            return _repeated(existing, conversation), False
        thread_root = None
        if thread_root_id is not None:
            thread_root = Message.objects.filter(
                pk=thread_root_id, conversation=conversation, thread_root__isnull=True,
                kind=Message.Kind.TEXT, deleted_at__isnull=True,
            ).first()  # fmt: skip
            if thread_root is None:
                raise InvalidMessage(thread_root=["Not a message of this conversation."])
        held = perms_of(actor, conversation)
        # Channel members may comment in threads where the owner allows it.
        commenting = (
            thread_root is not None and conversation.comments_enabled and COMMENT_IN_THREADS in held
        )
        if not (POST_MESSAGE in held or commenting):
            raise NotAllowedToPost()
        reply_to = None
        if reply_to_id is not None:
            reply_to = Message.objects.filter(pk=reply_to_id, conversation=conversation).first()
            if reply_to is None:
                raise InvalidMessage(reply_to=["Not a message of this conversation."])
        members = selectors.member_ids(conversation)
        clean_mentions, mentioned = resolve_mentions(
            conversation, membership, mentions, held, members
        )
        message = append_message(
            conversation, author=actor, client_id=client_id, body=body,
            kind=Message.Kind.TEXT, system={}, reply_to=reply_to, thread_root=thread_root,
            forwarded_from=forwarded_from, mentions=clean_mentions, mentioned=mentioned,
            attachment_ids=attachment_ids, member_ids=members,
        )  # fmt: skip
        Membership.objects.filter(pk=membership.pk).update(last_read_seq=message.seq)
    return message, True


def resolve_mentions(
    conversation: Conversation,
    membership: Membership,
    mentions: dict[str, Any],
    held: frozenset[str],
    member_ids: list[Any] | None = None,
) -> tuple[dict[str, Any], set[Any]]:
    """The mentions as stored, and the members they reach (never the author). Mentions of
    non-members are kept in the text but notify nobody; mentioning everyone in a
    conversation of more than MENTION_ALL_FREE_UP_TO members takes ``mention_all`` among
    the author's permissions ``held``."""
    from portal.accounts.models import Department

    members = set(selectors.member_ids(conversation) if member_ids is None else member_ids)
    reached: set[Any] = set()
    everyone = bool(mentions.get("all"))
    if everyone:
        if len(members) > MENTION_ALL_FREE_UP_TO and MENTION_ALL not in held:
            raise MentionAllNotAllowed()
        reached |= members
    user_ids = {str(u) for u in mentions.get("users", [])}
    reached |= {m for m in members if str(m) in user_ids}
    department_ids: list[Any] = []
    for department in Department.objects.filter(pk__in=mentions.get("departments", [])):
        department_ids.extend(department.descendant_ids())
    if department_ids:
        reached |= set(
            User.objects.filter(pk__in=members, department_id__in=department_ids).values_list(
                "pk", flat=True
            )
        )
    reached.discard(membership.user_id)
    stored = {
        "users": sorted(user_ids),
        "departments": sorted(str(d) for d in mentions.get("departments", [])),
        "all": everyone,
    }
    return stored, reached


def message_edit(*, actor: User, message_id: Any, body: str) -> Message:
    """The author changes the text within the conversation's edit window. The version it
    replaces is kept as a ``MessageEdit`` in the same transaction; a text equal to the
    current one changes and records nothing. Members who hid the message get no event."""
    body = body.strip()
    if not body or len(body) > MAX_BODY_CHARS:
        raise InvalidMessage(max_chars=MAX_BODY_CHARS)
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        message = Message.objects.select_for_update().get(pk=message.pk)
        window = dt.timedelta(seconds=message.conversation.edit_window_seconds)
        if (
            message.author_id != actor.pk
            or message.kind != Message.Kind.TEXT
            or message.deleted_at is not None
            or clock.now() - message.created_at > window
        ):
            raise EditNotAllowed()
        if body == message.body:
            return message
        MessageEdit.objects.create(
            message=message, body=message.body, body_html=message.body_html,
            written_at=message.edited_at or message.created_at, written_by_id=message.author_id,
        )  # fmt: skip
        message.body, message.body_html, message.edited_at = body, render(body), clock.now()
        message.edit_count += 1
        message.save(update_fields=["body", "body_html", "edited_at", "edit_count"])
        announce(
            message.conversation,
            events.message_event("edit", message),
            members=lambda: selectors.member_ids_seeing(message),
        )
    return message


def message_delete(*, actor: User, message_id: Any) -> Message:
    """Delete for everyone, by the author or a holder of ``moderate_messages``; a tombstone
    remains, and the edit history goes in the same transaction (no earlier text survives).
    Members who hid the message get no event."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.author_id != actor.pk:
            require_perm(actor, message.conversation, MODERATE_MESSAGES, DeleteNotAllowed)
        if message.deleted_at is None:
            message.deleted_at, message.body, message.body_html = clock.now(), "", ""
            message.edit_count = 0
            message.save(update_fields=["deleted_at", "body", "body_html", "edit_count"])
            MessageEdit.objects.filter(message=message).delete()
            transaction.on_commit(lambda: attachments_purge(message_id=message.pk), robust=True)
            announce(
                message.conversation,
                events.message_event("delete", message),
                members=lambda: selectors.member_ids_seeing(message),
            )
    return message


def message_hide(*, actor: User, message_id: Any, hidden: bool) -> None:
    """Delete a message "for me" (``hidden``) or take that back: only the actor's own view
    changes, for any message they can read (a tombstone too). Repeating either is a no-op;
    a change is published to the actor's own devices only."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        if hidden:
            _, changed = HiddenMessage.objects.get_or_create(
                user=actor, message=message, defaults={"created_at": clock.now()}
            )
        else:
            changed = HiddenMessage.objects.filter(user=actor, message=message).delete()[0] > 0
        if changed:
            publish(events.hide_event("hide" if hidden else "unhide", message), user_ids=[actor.pk])


def reaction_add(*, actor: User, message_id: Any, emoji: str) -> bool:
    """React with one emoji (takes ``react``); a repeat is a no-op. Returns whether it was
    added now."""
    emoji = emoji.strip()
    if len(emoji) > 16 or not emoji_lib.is_emoji(emoji):
        raise InvalidReaction()
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        if message.deleted_at is not None:
            raise NotAllowedToPost()
        require_perm(actor, message.conversation, REACT, NotAllowedToPost)
        _, created = Reaction.objects.get_or_create(
            message=message, user=actor, emoji=emoji, defaults={"created_at": clock.now()}
        )
        if created:
            announce(message.conversation, events.reaction_event("add", message, actor.pk, emoji))
    return created


def reaction_remove(*, actor: User, message_id: Any, emoji: str) -> None:
    """Take back one's own reaction (a missing one is a no-op)."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        deleted, _ = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
        if deleted:
            announce(
                message.conversation, events.reaction_event("remove", message, actor.pk, emoji)
            )


def message_pin(*, actor: User, message_id: Any, pinned: bool) -> None:
    """Holders of ``pin_messages`` (admins; both members of a direct chat) pin or unpin a
    message."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        require_perm(actor, message.conversation, PIN_MESSAGES, NotConversationAdmin)
        if pinned:
            _, changed = Pin.objects.get_or_create(
                message=message,
                defaults={"conversation": message.conversation, "pinned_by": actor,
                          "created_at": clock.now()},
            )  # fmt: skip
        else:
            changed = Pin.objects.filter(message=message).delete()[0] > 0
        if changed:
            announce(
                message.conversation,
                events.pin_event("add" if pinned else "remove", message, actor.pk),
            )


def message_forward(
    *, actor: User, message_id: Any, to_conversation_id: Any, client_id: str
) -> tuple[Message, bool]:
    """Post a copy of a message the actor can read into another conversation, keeping a
    reference to the original author and conversation."""
    original, _ = selectors.access_message(actor, message_id)
    if original.deleted_at is not None or original.kind != Message.Kind.TEXT:
        raise InvalidMessage(forward=["This message cannot be forwarded."])
    source = original.forwarded_from or {
        "message_id": str(original.pk),
        "author_id": str(original.author_id) if original.author_id else None,
        "conversation_id": str(original.conversation_id),
    }
    return message_send(
        actor=actor, conversation_id=to_conversation_id, client_id=client_id,
        body=original.body, forwarded_from=source,
    )  # fmt: skip


def thread_follow(*, actor: User, root_id: Any, follow: bool) -> None:
    """Follow or stop following the thread under a message the actor can read."""
    with transaction.atomic():
        root, _ = selectors.access_message(actor, root_id)
        if follow:
            ThreadFollow.objects.get_or_create(root=root, user=actor)
        else:
            ThreadFollow.objects.filter(root=root, user=actor).delete()
