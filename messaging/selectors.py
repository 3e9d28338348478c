"""Reads of conversations and messages, and the access checks every request goes through."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
)
from django.db.models.expressions import NegatedExpression
from django.db.models.functions import Coalesce, JSONObject

from messaging import events
from messaging.exceptions import (
    AttachmentNotFound,
    ConversationNotFound,
    MessageNotFound,
    ScheduledMessageNotFound,
)
from messaging.models import (
    Attachment,
    Conversation,
    HiddenMessage,
    Membership,
    Mention,
    Message,
    MessageEdit,
    Notification,
    Poll,
    Reaction,
    ScheduledMessage,
    ThreadFollow,
)
from portal.accounts.models import User
from portal.accounts.translit import query_variants
from portal.db import require_transaction
from portal.ids import as_uuid


def access_conversation(
    actor: User, conversation_id: Any, *, for_update: bool = False
) -> tuple[Conversation, Membership]:
    """The conversation and the actor's membership in it; "not found" for a conversation
    that does not exist and for one the actor is not a member of, alike (nothing about it,
    not even its title, leaks to outsiders)."""
    pk = as_uuid(conversation_id)
    if pk is None:
        raise ConversationNotFound()
    memberships = Membership.objects.select_related("conversation").filter(
        conversation_id=pk, user=actor, left_at__isnull=True
    )
    if for_update:
        require_transaction("access_conversation(for_update=True)")
        memberships = memberships.select_for_update(of=("self", "conversation"))
    membership = memberships.first()
    if membership is None:
        raise ConversationNotFound()
    return membership.conversation, membership


def access_message(actor: User, message_id: Any) -> tuple[Message, Membership]:
    """A message in a conversation the actor belongs to; "not found" otherwise."""
    pk = as_uuid(message_id)
    message = Message.objects.select_related("conversation").filter(pk=pk).first() if pk else None
    if message is None:
        raise MessageNotFound()
    membership = Membership.objects.filter(
        conversation_id=message.conversation_id, user=actor, left_at__isnull=True
    ).first()
    if membership is None:
        raise MessageNotFound()
    return message, membership


def member_ids(conversation: Conversation) -> list[Any]:
    """Ids of the current members: the recipients of the conversation's events."""
    return list(
        Membership.objects.filter(conversation=conversation, left_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )


def member_count(conversation: Conversation) -> int:
    """How many current members ``conversation`` has (one COUNT: limits are checked with
    it, never by reading every member id)."""
    return Membership.objects.filter(conversation=conversation, left_at__isnull=True).count()


def members_of(conversation: Conversation) -> QuerySet[Membership]:
    """The current memberships of ``conversation`` with their users, in the order they
    joined (the owner first). The caller has already passed ``access_conversation``."""
    return (
        Membership.objects.filter(conversation=conversation, left_at__isnull=True)
        .select_related("user__agency", "user__department")
        .order_by("joined_at", "id")
    )


def member_ids_seeing(message: Message) -> list[Any]:
    """Ids of the current members who have not hidden ``message``: the recipients of events
    that carry the message itself after it was sent (edit, delete)."""
    hiders = HiddenMessage.objects.filter(message=message).values("user_id")
    return list(
        Membership.objects.filter(conversation_id=message.conversation_id, left_at__isnull=True)
        .exclude(user_id__in=hiders)
        .values_list("user_id", flat=True)
    )


def conversations_of(user: User, *, query: str = "") -> QuerySet[Membership]:
    """The user's current memberships with their conversations (``peer_id``: the other
    member of a direct chat): pinned first, then by newest activity. With ``query``, only
    conversations whose title — or, for a direct chat, the other person's name or login
    (in either alphabet, as in the directory) — holds every word of it."""
    unread_mentions = (
        Mention.objects.filter(
            user=OuterRef("user"),
            conversation=OuterRef("conversation"),
            seq__gt=OuterRef("last_read_seq"),
        )
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    # A direct chat is shown as the other person: the client needs their id.
    partner = (
        Membership.objects.filter(
            conversation=OuterRef("conversation"), conversation__kind=Conversation.Kind.DIRECT
        )
        .exclude(user=OuterRef("user"))
        .values("user")[:1]
    )
    memberships = (
        Membership.objects.select_related("conversation")
        .filter(user=user, left_at__isnull=True)
        .annotate(
            mention_count=Coalesce(Subquery(unread_mentions), 0),
            # Typed, so that SQLite's hex text comes back as a UUID too.
            peer_id=Subquery(partner, output_field=UUIDField()),
        )
        .order_by("-pinned", F("conversation__last_message_at").desc(nulls_last=True))
    )
    if query:
        match = Q()
        for variant in query_variants(query):
            words = variant.split()[:10]
            title, partners = Q(), User.objects.exclude(pk=user.pk)
            for word in words:
                title &= Q(conversation__title__icontains=word)
                partners = partners.filter(search_text__icontains=word)
            direct_with_match = Q(
                Exists(
                    Membership.objects.filter(
                        conversation=OuterRef("conversation"), user__in=partners
                    )
                ),
                conversation__kind=Conversation.Kind.DIRECT,
            )
            match |= title | direct_with_match
        memberships = memberships.filter(match)
    return memberships


def not_hidden_from(viewer: User) -> NegatedExpression[Any]:
    """A filter on messages: those ``viewer`` has not deleted "for me". The outer query
    must be over ``Message``."""
    return ~Exists(HiddenMessage.objects.filter(user=viewer, message=OuterRef("pk")))


def for_payload(messages: QuerySet[Message]) -> QuerySet[Message]:
    """``messages`` with everything ``message_payload`` reads loaded in bulk, never a query
    per message. On PostgreSQL the reactions and attachments come in the same query as
    arrays of rows (``reaction_rows``, ``attachment_rows``, shaped as the payload shows
    them); elsewhere one query each (``prefetched_*``). Poll votes take one more query
    when the page holds a poll."""
    # The stored search vector is as long as the text again and no payload shows it.
    messages = (
        messages.defer("search_vector").select_related("poll").prefetch_related("poll__votes")
    )
    if connection.vendor != "postgresql":
        return messages.prefetch_related(
            Prefetch("reactions", to_attr="prefetched_reactions"),
            Prefetch("attachments", to_attr="prefetched_attachments"),
        )
    # Two prefetch queries and the ORM work to build and attach their objects were half
    # of a history page's time (docs/performance.md).
    reactions = Reaction.objects.filter(message=OuterRef("pk")).order_by("id")
    attachments = Attachment.objects.filter(message=OuterRef("pk")).order_by(
        "position", "created_at"
    )
    return messages.annotate(
        reaction_rows=ArraySubquery(
            reactions.values(row=JSONObject(emoji="emoji", user="user_id"))
        ),
        attachment_rows=ArraySubquery(
            attachments.values(row=JSONObject(**events.ATTACHMENT_FIELDS))
        ),
    )  # fmt: skip


def history(
    conversation: Conversation, *, viewer: User, before_seq: int | None, limit: int
) -> list[Message]:
    """Up to ``limit`` messages older than ``before_seq`` (newest first), without the ones
    ``viewer`` has hidden."""
    messages = for_payload(
        Message.objects.filter(conversation=conversation, thread_root__isnull=True).filter(
            not_hidden_from(viewer)
        )
    )
    if before_seq is not None:
        messages = messages.filter(seq__lt=before_seq)
    return list(messages.order_by("-seq")[:limit])


def history_after(
    conversation: Conversation, *, viewer: User, after_seq: int, limit: int
) -> list[Message]:
    """Up to ``limit`` messages newer than ``after_seq`` (oldest first), without the ones
    ``viewer`` has hidden: paging towards the present from a window that does not reach
    it."""
    messages = for_payload(
        Message.objects.filter(
            conversation=conversation, thread_root__isnull=True, seq__gt=after_seq
        ).filter(not_hidden_from(viewer))
    )
    return list(messages.order_by("seq")[:limit])


def history_around(
    actor: User, conversation_id: Any, message_id: Any, *, limit: int
) -> tuple[list[Message], bool, bool]:
    """The window of the main history around one message of the conversation (a thread
    reply: around its root), newest first: the message, up to ``limit // 2`` older ones and
    the rest newer, without the ones the actor has hidden; with whether older and newer
    messages lie beyond it. "Not found" for a conversation the actor is not in and for a
    message that is not in this conversation."""
    conversation, _ = access_conversation(actor, conversation_id)
    pk = as_uuid(message_id)
    target = (
        Message.objects.filter(pk=pk, conversation=conversation)
        .values("seq", "thread_root__seq")
        .first()
        if pk
        else None
    )
    if target is None:
        raise MessageNotFound()
    centre = target["thread_root__seq"] or target["seq"]
    older_count = max(limit // 2, 1)
    older = history(conversation, viewer=actor, before_seq=centre + 1, limit=older_count + 1)
    more_older = len(older) > older_count
    older = older[:older_count]
    newer_count = max(limit - len(older), 0)
    newer = history_after(conversation, viewer=actor, after_seq=centre, limit=newer_count + 1)
    more_newer = len(newer) > newer_count
    newer = newer[:newer_count]
    return [*reversed(newer), *older], more_older, more_newer


PINNED_MAX = 100


def pinned_messages(conversation: Conversation, *, viewer: User) -> list[Message]:
    """The conversation's pinned messages, the latest pin first (at most ``PINNED_MAX``),
    without the ones ``viewer`` has hidden (precondition: ``access_conversation``)."""
    messages = for_payload(
        Message.objects.filter(conversation=conversation, pin__isnull=False).filter(
            not_hidden_from(viewer)
        )
    )
    return list(messages.order_by("-pin__created_at", "-pin__id")[:PINNED_MAX])


# A history page in one statement: Django's ORM took three quarters of the page's time
# building the query and the model instances (docs/performance.md). The columns are named
# after the model's attributes, which is what ``events.fields_payload`` reads.
_HISTORY_PAGE = """
SELECT m.id, m.conversation_id, m.seq, m.author_id, m.client_id, m.kind, m.body,
       m.body_html, m.system, m.reply_to_id, m.thread_root_id, m.reply_count,
       m.last_reply_at, m.forwarded_from, m.mentions, m.created_at, m.edited_at,
       m.edit_count, m.deleted_at,
       EXISTS (SELECT FROM messaging_poll p WHERE p.message_id = m.id) AS has_poll,
       ARRAY(SELECT json_build_object('emoji', r.emoji, 'user', r.user_id)
             FROM messaging_reaction r WHERE r.message_id = m.id ORDER BY r.id)
         AS reaction_rows,
       ARRAY(SELECT json_build_object({attachment_fields})
             FROM messaging_attachment a WHERE a.message_id = m.id
             ORDER BY a.position, a.created_at)
         AS attachment_rows
FROM messaging_message m
WHERE m.conversation_id = %(conversation)s AND m.thread_root_id IS NULL
  AND m.seq < %(before)s
  AND EXISTS (SELECT FROM messaging_membership mb
              WHERE mb.conversation_id = %(conversation)s AND mb.user_id = %(viewer)s
                AND mb.left_at IS NULL)
  AND NOT EXISTS (SELECT FROM messaging_hiddenmessage h
                  WHERE h.message_id = m.id AND h.user_id = %(viewer)s)
ORDER BY m.seq DESC
LIMIT %(limit)s
""".replace(
    "{attachment_fields}",
    ", ".join(f"'{key}', a.{column}" for key, column in events.ATTACHMENT_FIELDS.items()),
)
_JSON_COLUMNS = ("system", "forwarded_from", "mentions")


def history_payloads(
    actor: User, conversation_id: Any, *, before_seq: int | None, limit: int
) -> list[dict[str, Any]]:
    """``history`` of a conversation the actor is a member of, as the payloads clients get
    (``events.message_payload``); "not found" as ``access_conversation`` says it. On
    PostgreSQL the membership check and the page are one statement (one more for a page
    that holds a poll, and for an empty page, to tell it from a forbidden one)."""
    if connection.vendor != "postgresql":
        conversation, _ = access_conversation(actor, conversation_id)
        page = history(conversation, viewer=actor, before_seq=before_seq, limit=limit)
        return [events.message_payload(m) for m in page]
    pk = as_uuid(conversation_id)
    if pk is None:
        raise ConversationNotFound()
    params: dict[str, Any] = {
        "conversation": pk, "viewer": actor.pk, "limit": limit,
        "before": before_seq if before_seq is not None else 2**63 - 1,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_HISTORY_PAGE, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not rows:
        access_conversation(actor, pk)
    with_poll = [row["id"] for row in rows if row["has_poll"]]
    polls = (
        {
            p.message_id: p
            for p in Poll.objects.filter(message_id__in=with_poll).prefetch_related("votes")
        }
        if with_poll
        else {}
    )
    payloads = []
    for fields in rows:
        for name in _JSON_COLUMNS:
            if fields[name] is not None:
                fields[name] = json.loads(fields[name])
        poll = polls.get(fields["id"])
        payloads.append(
            events.fields_payload(
                fields,
                reactions=events.reactions_payload(fields["reaction_rows"]),
                poll=events.poll_results(poll) if poll else None,
                attachments=fields["attachment_rows"],
            )
        )
    return payloads


def last_messages(conversation_ids: list[Any], *, viewer: User) -> dict[Any, Message]:
    """The newest message of each conversation that ``viewer`` has not hidden, in one
    query."""
    newest_id = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .filter(not_hidden_from(viewer))
        .order_by("-seq")
        .values("pk")[:1]
    )
    ids = Conversation.objects.filter(pk__in=conversation_ids).annotate(newest=Subquery(newest_id))
    newest = for_payload(Message.objects.filter(pk__in=ids.values("newest")))
    return {m.conversation_id: m for m in newest}


def thread(root: Message, *, viewer: User, after_seq: int | None, limit: int) -> list[Message]:
    """Replies under ``root``, oldest first, after ``after_seq``, without the ones
    ``viewer`` has hidden."""
    replies = for_payload(Message.objects.filter(thread_root=root).filter(not_hidden_from(viewer)))
    if after_seq is not None:
        replies = replies.filter(seq__gt=after_seq)
    return list(replies.order_by("seq")[:limit])


def message_edits(message: Message) -> QuerySet[MessageEdit]:
    """The earlier versions of a message, oldest first (precondition: the caller passed
    ``access_message`` for it). Empty for a message never edited or deleted for everyone."""
    return MessageEdit.objects.filter(message=message).order_by("id")


def access_scheduled(
    actor: User, scheduled_id: Any, *, for_update: bool = False
) -> ScheduledMessage:
    """One of the actor's own scheduled messages; anyone else's is "not found"."""
    pk = as_uuid(scheduled_id)
    rows = ScheduledMessage.objects.filter(pk=pk, author=actor) if pk else None
    if rows is not None and for_update:
        require_transaction("access_scheduled(for_update=True)")
        rows = rows.select_for_update()
    scheduled = rows.first() if rows is not None else None
    if scheduled is None:
        raise ScheduledMessageNotFound()
    return scheduled


def client_limits() -> dict[str, int]:
    """The limits a client checks before sending (the server enforces them regardless): the
    largest upload, attachments per message, characters of a message body."""
    from django.conf import settings

    from messaging.services import MAX_BODY_CHARS
    from messaging.services.attachments import MAX_ATTACHMENTS_PER_MESSAGE

    return {
        "max_upload_bytes": int(settings.MAX_UPLOAD_BYTES),
        "max_attachments_per_message": MAX_ATTACHMENTS_PER_MESSAGE,
        "max_body_chars": MAX_BODY_CHARS,
    }


def own_vote(actor: User, message_id: Any) -> list[int]:
    """The options ``actor`` chose in the poll of a message they can read (``[]`` before
    voting), also in an anonymous poll, where nobody else's choice is shown.
    ``MessageNotFound`` for a message they cannot read; ``InvalidVote`` if it has no poll."""
    from messaging.exceptions import InvalidVote

    message, _ = access_message(actor, message_id)
    poll = Poll.objects.filter(message=message).first()
    if poll is None:
        raise InvalidVote()
    return list(poll.votes.filter(user=actor).order_by("option").values_list("option", flat=True))


def thread_followed(root: Message, user: User) -> bool:
    """Whether ``user`` follows the thread under ``root`` (gets notified of its replies)."""
    return ThreadFollow.objects.filter(root=root, user=user).exists()


def direct_partners(user_id: Any) -> list[Any]:
    """The users that ``user_id`` has a direct chat with."""
    direct = Membership.objects.filter(
        user_id=user_id, left_at__isnull=True, conversation__kind=Conversation.Kind.DIRECT
    ).values("conversation_id")
    return list(
        Membership.objects.filter(conversation_id__in=direct, left_at__isnull=True)
        .exclude(user_id=user_id)
        .values_list("user_id", flat=True)
    )


def discoverable(actor: User) -> QuerySet[Conversation]:
    """Groups and channels the actor may find and join: open to their agency or to the whole
    server, and not joined yet."""
    visible = Q(visibility=Conversation.Visibility.SERVER) | Q(
        visibility=Conversation.Visibility.AGENCY, agency_id=actor.agency_id,
        agency_id__isnull=False,
    )  # fmt: skip
    joined = Membership.objects.filter(user=actor, left_at__isnull=True).values("conversation")
    return (
        Conversation.objects.filter(visible)
        .exclude(kind=Conversation.Kind.DIRECT)
        .exclude(pk__in=joined)
        .order_by("title")
    )


def access_discoverable(actor: User, conversation_id: Any) -> Conversation:
    """A conversation the actor may join; "not found" for any other, private ones included."""
    pk = as_uuid(conversation_id)
    conversation = discoverable(actor).filter(pk=pk).first() if pk else None
    if conversation is None:
        raise ConversationNotFound()
    return conversation


def access_attachment(actor: User, attachment_id: Any) -> Attachment:
    """An attachment the actor may read now: one of a message that is not deleted, in a
    conversation the actor is a current member of, or the actor's own upload not sent yet
    to a conversation they are still in. "Not found" for anything else and for a missing
    id alike."""
    pk = as_uuid(attachment_id)
    attachment = Attachment.objects.select_related("message").filter(pk=pk).first() if pk else None
    if attachment is None:
        raise AttachmentNotFound()
    if attachment.message is None:
        visible = attachment.uploaded_by_id == actor.pk
    else:
        visible = attachment.message.deleted_at is None
    member = Membership.objects.filter(
        conversation_id=attachment.conversation_id, user_id=actor.pk, left_at__isnull=True
    ).exists()
    if not (visible and member):
        raise AttachmentNotFound()
    return attachment


def notifications_of(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, for conversations they are still in and
    messages they have not hidden, with what their payloads read loaded in bulk."""
    rows = (
        Notification.objects.filter(
            user=user,
            conversation__memberships__user=user,
            conversation__memberships__left_at__isnull=True,
        )
        .exclude(message__in=HiddenMessage.objects.filter(user=user).values("message_id"))
        .select_related("conversation", "message", "message__poll")
        .prefetch_related("message__reactions", "message__poll__votes", "message__attachments")
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows
