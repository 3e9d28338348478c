"""Messages: sending (with mentions, replies, threads), editing (with history), deleting for
everyone or "for me", forwarding, reactions and pins."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import emoji as emoji_lib
from django.db import IntegrityError, connection, transaction

from messaging import events, selectors
from messaging.exceptions import (
    ConversationNotFound,
    DeleteNotAllowed,
    EditNotAllowed,
    InvalidAttachments,
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
from messaging.services import sql
from messaging.services.attachments import MAX_ATTACHMENTS_PER_MESSAGE, attachments_purge
from messaging.services.common import (
    MAX_BODY_CHARS,
    MAX_MENTIONS,
    MENTION_ALL_FREE_UP_TO,
    announce,
    append_message,
    fresh_message,
)
from messaging.services.notifications import notifications_for_message
from portal import clock
from portal.accounts.models import User
from portal.ids import as_uuid
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
    # On PostgreSQL one statement does what the ORM path does in seven (services/sql.py).
    send = _message_send_sql if connection.vendor == "postgresql" else _message_send_locked
    try:
        return send(
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


# What a reply or a thread reply to a message elsewhere (or to none) is told, on both paths.
NOT_A_MESSAGE_HERE = "Not a message of this conversation."


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
                raise InvalidMessage(thread_root=[NOT_A_MESSAGE_HERE])
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
                raise InvalidMessage(reply_to=[NOT_A_MESSAGE_HERE])
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


def _message_send_sql(
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
    """``_message_send_locked`` on PostgreSQL: the same checks, in the same order, with the
    same errors, and the same rows and events, from one statement (``sql.send_statement``)
    and the event log's. The Markdown is rendered before the lock is taken."""
    pk = as_uuid(conversation_id)
    if pk is None:
        raise ConversationNotFound()
    reply_pk, root_pk = as_uuid(reply_to_id), as_uuid(thread_root_id)
    departments = mentions.get("departments", [])
    department_pks = [d for d in map(as_uuid, departments) if d is not None]
    if (
        (reply_to_id is not None and reply_pk is None)
        or (thread_root_id is not None and root_pk is None)
        or len(department_pks) != len(departments)
    ):
        # Only an internal caller can pass ids that are not UUIDs (the API refuses them):
        # the ORM path says what they get.
        return _message_send_locked(
            actor=actor, conversation_id=conversation_id, client_id=client_id, body=body,
            reply_to_id=reply_to_id, thread_root_id=thread_root_id,
            forwarded_from=forwarded_from, mentions=mentions, attachment_ids=attachment_ids,
        )  # fmt: skip
    parsed = {str(i): as_uuid(i) for i in attachment_ids or []}
    attachment_pks = list(dict.fromkeys(p for p in parsed.values() if p is not None))
    fits = len(attachment_pks) <= MAX_ATTACHMENTS_PER_MESSAGE
    stored = stored_mentions(mentions)
    body_html = render(body) if body else ""
    message_pk = uuid.uuid4()
    with transaction.atomic():
        for _attempt in range(2):
            now = clock.now()
            row = sql.send_statement(
                conversation_id=pk, actor_id=actor.pk, message_id=message_pk,
                client_id=client_id, body=body, body_html=body_html, reply_to_id=reply_pk,
                thread_root_id=root_pk, forwarded_from=forwarded_from, mentions=stored,
                mention_users=stored["users"], mention_departments=department_pks,
                mention_all=stored["all"], attachment_ids=attachment_pks,
                attachments_valid=fits and len(attachment_pks) == len(parsed),
                mention_all_free_up_to=MENTION_ALL_FREE_UP_TO, now=now,
            )  # fmt: skip
            if row is None:
                raise ConversationNotFound()
            if row["fresh"]:
                break
            # The conversation changed while the statement waited for its lock: it wrote
            # nothing, and now holds the lock, so the second run reads a settled state.
        else:
            raise RuntimeError("the conversation changed under its own lock")
        conversation = Conversation.from_db(
            connection.alias, sql.CONVERSATION_COLUMNS, [row[c] for c in sql.CONVERSATION_COLUMNS]
        )
        if row["existing_id"] is not None:
            existing = Message.objects.get(pk=row["existing_id"])
            return _repeated(existing, conversation), False
        if root_pk is not None and not row["root_found"]:
            raise InvalidMessage(thread_root=[NOT_A_MESSAGE_HERE])
        held = frozenset(row["held"])
        commenting = (
            root_pk is not None and conversation.comments_enabled and COMMENT_IN_THREADS in held
        )
        if not (POST_MESSAGE in held or commenting):
            raise NotAllowedToPost()
        if reply_pk is not None and not row["reply_found"]:
            raise InvalidMessage(reply_to=[NOT_A_MESSAGE_HERE])
        crowd = row["member_count"] > MENTION_ALL_FREE_UP_TO
        if stored["all"] and crowd and MENTION_ALL not in held:
            raise MentionAllNotAllowed()
        if attachment_ids:
            if not fits:
                raise InvalidAttachments(max=MAX_ATTACHMENTS_PER_MESSAGE)
            found = set(row["free"])
            invalid = [i for i, p in parsed.items() if p is None or p not in found]
            if invalid:
                raise InvalidAttachments(attachment_ids=invalid)
        if row["seq"] is None:
            raise RuntimeError("the send statement passed every check and wrote nothing")
        conversation.last_seq, conversation.last_message_at = row["seq"], now
        message = Message.from_db(
            connection.alias, _MESSAGE_COLUMNS,
            [message_pk, pk, row["seq"], actor.pk, client_id, Message.Kind.TEXT, body,
             body_html, {}, reply_pk, root_pk, 0, None, forwarded_from, stored, now, None, 0,
             None],
        )  # fmt: skip
        message.conversation = conversation
        fresh_message(message, attachments=False)
        message.attachment_rows = row["attachment_rows"] or []  # type: ignore[attr-defined]
        members = row["member_ids"]
        mentioned = set(row["mentioned_ids"])
        announce(conversation, events.message_event("add", message), members=members)
        notifications_for_message(message, mentioned=mentioned, member_ids=members)
        if root_pk is not None:
            root = Message.from_db(
                connection.alias, ["id", "conversation_id", "reply_count", "last_reply_at"],
                [root_pk, pk, row["root_reply_count"], row["root_last_reply_at"]],
            )  # fmt: skip
            announce(conversation, events.thread_event(root), members=members)
    return message, True


# What the SQL path knows of a message it has just written, as ``Message.from_db`` takes it.
_MESSAGE_COLUMNS = [
    "id", "conversation_id", "seq", "author_id", "client_id", "kind", "body", "body_html",
    "system", "reply_to_id", "thread_root_id", "reply_count", "last_reply_at",
    "forwarded_from", "mentions", "created_at", "edited_at", "edit_count", "deleted_at",
]  # fmt: skip


def stored_mentions(mentions: dict[str, Any]) -> dict[str, Any]:
    """Mentions as a message stores them: ids as sorted strings, ``all`` as a flag."""
    return {
        "users": sorted({str(u) for u in mentions.get("users", [])}),
        "departments": sorted(str(d) for d in mentions.get("departments", [])),
        "all": bool(mentions.get("all")),
    }


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
    return stored_mentions(mentions), reached


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
            events.message_event("update", message),
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
                events.message_event("remove", message),
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
            publish(
                events.hidden_event("add" if hidden else "remove", message), user_ids=[actor.pk]
            )


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
