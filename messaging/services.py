"""Every write of the messaging app: conversations, members, messages, read state.

Each service checks permissions and input itself, runs in one transaction, and publishes
its events to exactly the members who may see them, after commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import emoji as emoji_lib
from django.db import IntegrityError, transaction
from django.db.models import F

from messaging import events, selectors
from messaging.exceptions import (
    DeleteNotAllowed,
    EditNotAllowed,
    InvalidMembers,
    InvalidMessage,
    InvalidPoll,
    InvalidReaction,
    InvalidSchedule,
    InvalidVote,
    MentionAllNotAllowed,
    NotAllowedToPost,
    NotConversationAdmin,
    OwnerCannotLeave,
    PollClosed,
    TooManyMentions,
)
from messaging.markdown import render
from messaging.models import (
    Conversation,
    Membership,
    Mention,
    Message,
    Pin,
    Poll,
    PollVote,
    Reaction,
    ScheduledMessage,
    ThreadFollow,
)
from portal import clock
from portal.accounts.models import User
from portal.realtime import publish

MAX_BODY_CHARS = 10_000
MAX_MENTIONS = 50
# Above this many members only administrators may mention everyone.
MENTION_ALL_FREE_UP_TO = 50
MAX_GROUP_MEMBERS = 10_000
# Read receipts ("read by N") are shared in direct chats and groups up to this size.
RECEIPTS_MAX_MEMBERS = 50
ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def _active_users(user_ids: Iterable[Any]) -> list[User]:
    ids = list(dict.fromkeys(user_ids))
    users = list(User.objects.filter(pk__in=ids, is_active=True, is_bot=False))
    if len(users) != len(ids):
        found = {str(u.pk) for u in users}
        raise InvalidMembers(users=[str(i) for i in ids if str(i) not in found])
    return users


def _system_message(
    conversation: Conversation, actor: User | None, data: dict[str, Any]
) -> Message:
    """Append a system message (precondition: the conversation row is locked)."""
    return _append(
        conversation, author=actor, client_id=f"system:{uuid.uuid4()}", body="",
        kind=Message.Kind.SYSTEM, system=data, reply_to=None,
    )  # fmt: skip


def _append(
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
) -> Message:
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
    if mentioned:
        Mention.objects.bulk_create(
            [Mention(message=message, user_id=uid, conversation=conversation, seq=message.seq)
             for uid in mentioned]
        )  # fmt: skip
    recipients = selectors.member_ids(conversation)
    publish(events.message_event("add", message), user_ids=recipients)
    if thread_root is not None:
        Message.objects.filter(pk=thread_root.pk).update(
            reply_count=F("reply_count") + 1, last_reply_at=now
        )
        thread_root.refresh_from_db(fields=["reply_count", "last_reply_at"])
        followers = {thread_root.author_id, author.pk if author else None}
        for follower in followers:
            if follower is not None:
                ThreadFollow.objects.get_or_create(root=thread_root, user_id=follower)
        publish(events.thread_event(thread_root), user_ids=recipients)
    return message


def conversation_create(
    *,
    actor: User,
    kind: str,
    title: str,
    description: str = "",
    member_ids: Iterable[Any] = (),
    visibility: str = Conversation.Visibility.PRIVATE,
    comments_enabled: bool = False,
) -> Conversation:
    """Create a group or a channel owned by ``actor`` with these members."""
    if kind not in (Conversation.Kind.GROUP, Conversation.Kind.CHANNEL):
        raise InvalidMembers(kind=["Use the direct endpoint for direct chats."])
    if not title.strip():
        raise InvalidMembers(title=["A group or channel needs a title."])
    others = [u for u in _active_users(member_ids) if u.pk != actor.pk]
    if len(others) + 1 > MAX_GROUP_MEMBERS:
        raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
    now = clock.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=kind, title=title.strip(), description=description, visibility=visibility,
            agency_id=actor.agency_id, comments_enabled=comments_enabled, created_by=actor,
            created_at=now,
        )  # fmt: skip
        Membership.objects.bulk_create(
            [Membership(conversation=conversation, user=actor, role=Membership.Role.OWNER,
                        joined_at=now)]
            + [Membership(conversation=conversation, user=u, joined_at=now) for u in others]
        )  # fmt: skip
        _system_message(conversation, actor, {"event": "created", "title": conversation.title})
    return conversation


def direct_conversation(*, actor: User, other: User) -> Conversation:
    """The one direct chat between ``actor`` and ``other``, created on first use."""
    if other.pk == actor.pk or not other.is_active:
        raise InvalidMembers(users=[str(other.pk)])
    low, high = sorted([str(actor.pk), str(other.pk)])
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing:
        return existing
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=actor, created_at=now
            )
            Membership.objects.bulk_create(
                [Membership(conversation=conversation, user=u, joined_at=now,
                            role=Membership.Role.MEMBER) for u in (actor, other)]
            )  # fmt: skip
    except IntegrityError:
        return Conversation.objects.get(direct_key=key)  # created concurrently
    return conversation


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
) -> tuple[Message, bool]:
    """Post a message (or a reply in the thread under ``thread_root_id``); returns it and
    whether it was created now.

    The same ``client_id`` from the same author returns the first message and creates
    nothing (safe retries). In a channel only owners and admins post, and members comment
    in threads only where the owner allows comments; read-only members never post. Bodies
    are 1–10,000 characters of Markdown.
    """
    body = body.strip()
    if not body or len(body) > MAX_BODY_CHARS:
        raise InvalidMessage(max_chars=MAX_BODY_CHARS)
    mentions = mentions or {}
    if len(mentions.get("users", [])) + len(mentions.get("departments", [])) > MAX_MENTIONS:
        raise TooManyMentions(max=MAX_MENTIONS)
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        # Checked under the conversation lock, so two concurrent retries cannot both insert.
        existing = Message.objects.filter(author=actor, client_id=client_id).first()
        if existing is not None:
            if existing.conversation_id != conversation.pk:
                raise InvalidMessage(client_id=["Already used for another message."])
            return existing, False
        thread_root = None
        if thread_root_id is not None:
            thread_root = Message.objects.filter(
                pk=thread_root_id, conversation=conversation, thread_root__isnull=True,
                kind=Message.Kind.TEXT, deleted_at__isnull=True,
            ).first()  # fmt: skip
            if thread_root is None:
                raise InvalidMessage(thread_root=["Not a message of this conversation."])
        channel_member = (
            conversation.kind == Conversation.Kind.CHANNEL and membership.role not in ADMIN_ROLES
        )
        if membership.role == Membership.Role.READ_ONLY or (
            channel_member and (thread_root is None or not conversation.comments_enabled)
        ):
            raise NotAllowedToPost()
        reply_to = None
        if reply_to_id is not None:
            reply_to = Message.objects.filter(pk=reply_to_id, conversation=conversation).first()
            if reply_to is None:
                raise InvalidMessage(reply_to=["Not a message of this conversation."])
        clean_mentions, mentioned = _resolve_mentions(conversation, membership, mentions)
        message = _append(
            conversation, author=actor, client_id=client_id, body=body,
            kind=Message.Kind.TEXT, system={}, reply_to=reply_to, thread_root=thread_root,
            forwarded_from=forwarded_from, mentions=clean_mentions, mentioned=mentioned,
        )  # fmt: skip
        Membership.objects.filter(pk=membership.pk).update(last_read_seq=message.seq)
    return message, True


def _resolve_mentions(
    conversation: Conversation, membership: Membership, mentions: dict[str, Any]
) -> tuple[dict[str, Any], set[Any]]:
    """The mentions as stored, and the members they reach (never the author). Mentions of
    non-members are kept in the text but notify nobody."""
    from portal.accounts.models import Department

    members = set(selectors.member_ids(conversation))
    reached: set[Any] = set()
    everyone = bool(mentions.get("all"))
    if everyone:
        if len(members) > MENTION_ALL_FREE_UP_TO and membership.role not in ADMIN_ROLES:
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
    """The author changes the text within the conversation's edit window."""
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
        message.body, message.body_html, message.edited_at = body, render(body), clock.now()
        message.save(update_fields=["body", "body_html", "edited_at"])
        publish(
            events.message_event("edit", message),
            user_ids=selectors.member_ids(message.conversation),
        )
    return message


def message_delete(*, actor: User, message_id: Any) -> Message:
    """Delete for everyone, by the author or a conversation admin; a tombstone remains."""
    with transaction.atomic():
        message, membership = selectors.access_message(actor, message_id)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.author_id != actor.pk and membership.role not in ADMIN_ROLES:
            raise DeleteNotAllowed()
        if message.deleted_at is None:
            message.deleted_at, message.body, message.body_html = clock.now(), "", ""
            message.save(update_fields=["deleted_at", "body", "body_html"])
            publish(
                events.message_event("delete", message),
                user_ids=selectors.member_ids(message.conversation),
            )
    return message


def conversation_members_add(*, actor: User, conversation_id: Any, user_ids: list[Any]) -> int:
    """Admins add members; each addition is a system message and a membership event."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        if membership.role not in ADMIN_ROLES or conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        users = _active_users(user_ids)
        current = set(selectors.member_ids(conversation))
        new = [u for u in users if u.pk not in current]
        if len(current) + len(new) > MAX_GROUP_MEMBERS:
            raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
        now = clock.now()
        for user in new:
            Membership.objects.update_or_create(
                conversation=conversation, user=user,
                defaults={"left_at": None, "joined_at": now, "role": Membership.Role.MEMBER,
                          "last_read_seq": conversation.last_seq},
            )  # fmt: skip
            _system_message(conversation, actor, {"event": "member_added", "user": str(user.pk)})
            publish(
                events.membership_event("add", conversation, user.pk),
                user_ids=selectors.member_ids(conversation),
            )
    return len(new)


def conversation_member_remove(*, actor: User, conversation_id: Any, user_id: Any) -> None:
    """An admin removes a member, or a member leaves (``user_id`` is the actor's own id).
    The removed user gets the event too, and then nothing more from this conversation."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        leaving = str(user_id) == str(actor.pk)
        if conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        if not leaving and membership.role not in ADMIN_ROLES:
            raise NotConversationAdmin()
        target = Membership.objects.filter(
            conversation=conversation, user_id=user_id, left_at__isnull=True
        ).first()
        if target is None:
            raise InvalidMembers(users=[str(user_id)])
        if target.role == Membership.Role.OWNER:
            raise OwnerCannotLeave()
        recipients = selectors.member_ids(conversation)
        target.left_at = clock.now()
        target.save(update_fields=["left_at"])
        publish(events.membership_event("remove", conversation, user_id), user_ids=recipients)
        _system_message(
            conversation, actor,
            {"event": "member_left" if leaving else "member_removed", "user": str(user_id)},
        )  # fmt: skip


def conversation_mark_read(*, actor: User, conversation_id: Any, seq: int) -> int:
    """Move the actor's read position forward to ``seq`` (never back, never past the end)."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(actor, conversation_id)
        seq = max(0, min(int(seq), conversation.last_seq))
        updated = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        if updated:
            recipients = [actor.pk]
            members = selectors.member_ids(conversation)
            if len(members) <= RECEIPTS_MAX_MEMBERS:
                recipients = members
            publish(events.read_event(conversation, actor.pk, seq), user_ids=recipients)
    return seq


def reaction_add(*, actor: User, message_id: Any, emoji: str) -> bool:
    """React with one emoji; a repeat is a no-op. Returns whether it was added now."""
    emoji = emoji.strip()
    if len(emoji) > 16 or not emoji_lib.is_emoji(emoji):
        raise InvalidReaction()
    with transaction.atomic():
        message, membership = selectors.access_message(actor, message_id)
        if membership.role == Membership.Role.READ_ONLY or message.deleted_at is not None:
            raise NotAllowedToPost()
        _, created = Reaction.objects.get_or_create(
            message=message, user=actor, emoji=emoji, defaults={"created_at": clock.now()}
        )
        if created:
            publish(
                events.reaction_event("add", message, actor.pk, emoji),
                user_ids=selectors.member_ids(message.conversation),
            )
    return created


def reaction_remove(*, actor: User, message_id: Any, emoji: str) -> None:
    """Take back one's own reaction (a missing one is a no-op)."""
    with transaction.atomic():
        message, _ = selectors.access_message(actor, message_id)
        deleted, _ = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
        if deleted:
            publish(
                events.reaction_event("remove", message, actor.pk, emoji),
                user_ids=selectors.member_ids(message.conversation),
            )


def message_pin(*, actor: User, message_id: Any, pinned: bool) -> None:
    """Admins pin or unpin a message; members of a direct chat both may."""
    with transaction.atomic():
        message, membership = selectors.access_message(actor, message_id)
        direct = message.conversation.kind == Conversation.Kind.DIRECT
        if not direct and membership.role not in ADMIN_ROLES:
            raise NotConversationAdmin()
        if pinned:
            _, changed = Pin.objects.get_or_create(
                message=message,
                defaults={"conversation": message.conversation, "pinned_by": actor,
                          "created_at": clock.now()},
            )  # fmt: skip
        else:
            changed = Pin.objects.filter(message=message).delete()[0] > 0
        if changed:
            publish(
                events.pin_event("add" if pinned else "remove", message, actor.pk),
                user_ids=selectors.member_ids(message.conversation),
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
        conversation, membership = selectors.access_conversation(actor, conversation_id)
        if membership.role == Membership.Role.READ_ONLY or (
            conversation.kind == Conversation.Kind.CHANNEL and membership.role not in ADMIN_ROLES
        ):
            raise NotAllowedToPost()
        scheduled, created = ScheduledMessage.objects.get_or_create(
            author=actor, client_id=client_id,
            defaults={"conversation": conversation, "body": body, "send_at": send_at,
                      "mentions": mentions or {}, "created_at": now},
        )  # fmt: skip
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
            publish(events.poll_event(message), user_ids=selectors.member_ids(message.conversation))
    return message, created


def poll_vote(*, actor: User, message_id: Any, options: list[int]) -> Message:
    """Replace the actor's vote with ``options`` (an empty list takes the vote back)."""
    with transaction.atomic():
        message, membership = selectors.access_message(actor, message_id)
        poll = Poll.objects.select_for_update().filter(message=message).first()
        if poll is None:
            raise InvalidVote()
        if poll.closed_at is not None:
            raise PollClosed()
        if membership.role == Membership.Role.READ_ONLY:
            raise NotAllowedToPost()
        chosen = sorted(set(options))
        if any(not 0 <= i < len(poll.options) for i in chosen) or (
            len(chosen) > 1 and not poll.multiple
        ):
            raise InvalidVote()
        PollVote.objects.filter(poll=poll, user=actor).delete()
        PollVote.objects.bulk_create([PollVote(poll=poll, user=actor, option=i) for i in chosen])
        publish(events.poll_event(message), user_ids=selectors.member_ids(message.conversation))
    return message


def poll_close(*, actor: User, message_id: Any) -> Message:
    """The poll's author or a conversation admin closes it; results stay visible."""
    with transaction.atomic():
        message, membership = selectors.access_message(actor, message_id)
        poll = Poll.objects.select_for_update().filter(message=message).first()
        if poll is None:
            raise InvalidVote()
        if message.author_id != actor.pk and membership.role not in ADMIN_ROLES:
            raise NotConversationAdmin()
        if poll.closed_at is None:
            poll.closed_at = clock.now()
            poll.save(update_fields=["closed_at"])
            publish(events.poll_event(message), user_ids=selectors.member_ids(message.conversation))
    return message


CONVERSATION_SETTINGS = frozenset(
    {"title", "description", "visibility", "comments_enabled", "edit_window_seconds"}
)


def conversation_update(
    *, actor: User, conversation_id: Any, changes: dict[str, Any]
) -> Conversation:
    """Admins change the title, description, visibility, comments or edit window; a system
    message records what changed."""
    unknown = set(changes) - CONVERSATION_SETTINGS
    if unknown:
        raise InvalidMembers(fields=sorted(unknown))
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        if membership.role not in ADMIN_ROLES or conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        if "title" in changes and not str(changes["title"]).strip():
            raise InvalidMembers(title=["A group or channel needs a title."])
        for name, value in changes.items():
            setattr(conversation, name, value)
        conversation.save(update_fields=list(changes))
        _system_message(
            conversation, actor, {"event": "settings_changed", "fields": sorted(changes)}
        )
        publish(
            events.conversation_event(conversation), user_ids=selectors.member_ids(conversation)
        )
    return conversation


def member_settings_update(
    *, actor: User, conversation_id: Any, changes: dict[str, Any]
) -> Membership:
    """A member's own mute, pin and archive settings; only their own devices hear of it."""
    with transaction.atomic():
        _, membership = selectors.access_conversation(actor, conversation_id, for_update=True)
        for name in ("muted_until", "pinned", "archived"):
            if name in changes:
                setattr(membership, name, changes[name])
        membership.save(
            update_fields=[n for n in ("muted_until", "pinned", "archived") if n in changes]
        )
        publish(events.member_settings_event(membership), user_ids=[actor.pk])
    return membership


def member_role_set(*, actor: User, conversation_id: Any, user_id: Any, role: str) -> None:
    """Admins make members admins, members or read-only; only the owner names a new owner,
    and then becomes an admin (ownership transfer). Nobody changes the owner's role."""
    if role not in Membership.Role.values:
        raise InvalidMembers(role=[role])
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        if membership.role not in ADMIN_ROLES or conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        target = (
            Membership.objects.select_for_update()
            .filter(conversation=conversation, user_id=user_id, left_at__isnull=True)
            .first()
        )
        if target is None:
            raise InvalidMembers(users=[str(user_id)])
        if target.role == Membership.Role.OWNER or (
            role == Membership.Role.OWNER and membership.role != Membership.Role.OWNER
        ):
            raise NotConversationAdmin()
        recipients = selectors.member_ids(conversation)
        if role == Membership.Role.OWNER:
            membership.role = Membership.Role.ADMIN
            membership.save(update_fields=["role"])
            publish(events.role_event(conversation, actor.pk, membership.role), user_ids=recipients)
        target.role = role
        target.save(update_fields=["role"])
        publish(events.role_event(conversation, user_id, role), user_ids=recipients)
        _system_message(conversation, actor, {"event": "role_changed", "user": str(user_id),
                                              "role": role})  # fmt: skip


__all__ = [
    "conversation_create",
    "conversation_mark_read",
    "conversation_member_remove",
    "conversation_members_add",
    "conversation_update",
    "direct_conversation",
    "member_role_set",
    "member_settings_update",
    "message_delete",
    "message_edit",
    "message_forward",
    "message_pin",
    "message_schedule",
    "message_send",
    "poll_close",
    "poll_create",
    "poll_vote",
    "reaction_add",
    "reaction_remove",
    "scheduled_message_cancel",
    "scheduled_messages_send_due",
    "thread_follow",
]
