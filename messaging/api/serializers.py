"""Input and output shapes of the messaging API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from messaging.events import attachment_payload, conversation_payload, message_payload
from messaging.models import (
    Attachment,
    Conversation,
    Membership,
    Message,
    Notification,
    ScheduledMessage,
)
from messaging.services import MAX_BODY_CHARS, MAX_MEMBERS_PER_CALL
from messaging.services.attachments import MAX_ATTACHMENTS_PER_MESSAGE
from portal.accounts.api.serializers import MeOutput, UserOutput
from portal.api.serializers import QueryFlag, StrictInput, UUIDInput


class ConversationInput(StrictInput):
    kind = serializers.ChoiceField(choices=[Conversation.Kind.GROUP, Conversation.Kind.CHANNEL])
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    member_ids = serializers.ListField(
        child=UUIDInput(), required=False, default=list, max_length=10_000
    )
    visibility = serializers.ChoiceField(
        choices=Conversation.Visibility.choices, required=False,
        default=Conversation.Visibility.PRIVATE,
    )  # fmt: skip
    comments_enabled = serializers.BooleanField(required=False, default=False)


class DirectInput(StrictInput):
    user_id = UUIDInput()


class MentionsInput(StrictInput):
    users = serializers.ListField(child=UUIDInput(), required=False, default=list)
    departments = serializers.ListField(child=UUIDInput(), required=False, default=list)
    all = serializers.BooleanField(required=False, default=False)


class MessageInput(StrictInput):
    client_id = serializers.CharField(max_length=100)
    # Length is checked by the service after trimming; this bound only stops huge bodies.
    body = serializers.CharField(
        max_length=MAX_BODY_CHARS * 2, trim_whitespace=False, allow_blank=True, required=False,
        default="",
    )  # fmt: skip
    reply_to = UUIDInput(required=False, allow_null=True, default=None)
    thread_root = UUIDInput(required=False, allow_null=True, default=None)
    mentions = MentionsInput(required=False, default=dict)
    # Uploads from POST /conversations/{id}/attachments; with them the body may be empty.
    attachment_ids = serializers.ListField(
        child=UUIDInput(), required=False, default=list,
        max_length=MAX_ATTACHMENTS_PER_MESSAGE,
    )  # fmt: skip


class MessageEditInput(StrictInput):
    body = serializers.CharField(max_length=MAX_BODY_CHARS * 2, trim_whitespace=False)


class MessageEditOutput(serializers.Serializer):
    """One earlier version of a message: its text, when it was written and by whom."""

    body = serializers.CharField()
    body_html = serializers.CharField()
    written_at = serializers.DateTimeField()
    written_by = serializers.UUIDField(source="written_by_id", allow_null=True)


class MembersInput(StrictInput):
    user_ids = serializers.ListField(
        child=UUIDInput(), min_length=1, max_length=MAX_MEMBERS_PER_CALL,
        help_text=_("Users to add, at most 1,000 per call; repeats count once."),
    )  # fmt: skip


class ReadInput(StrictInput):
    seq = serializers.IntegerField(min_value=0)


class ReactionOutput(serializers.Serializer):
    """One emoji on a message, how many reacted with it and who."""

    emoji = serializers.CharField()
    count = serializers.IntegerField()
    user_ids = serializers.ListField(child=serializers.UUIDField())


class PollOptionOutput(serializers.Serializer):
    text = serializers.CharField()
    votes = serializers.IntegerField()
    voter_ids = serializers.ListField(
        child=serializers.UUIDField(), help_text=_("Empty when the poll is anonymous.")
    )


@extend_schema_serializer(component_name="Poll")
class PollOutput(serializers.Serializer):
    """A poll with its results (``messaging.events.poll_results``)."""

    question = serializers.CharField()
    multiple = serializers.BooleanField()
    anonymous = serializers.BooleanField()
    closed = serializers.BooleanField()
    options = PollOptionOutput(many=True)


@extend_schema_serializer(component_name="Attachment")
class AttachmentOutput(serializers.Serializer):
    """An attachment as every member sees it; links come from ``GET
    /attachments/{id}/link`` (``messaging.events.attachment_payload``)."""

    id = serializers.UUIDField()
    filename = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    thumbnail = serializers.BooleanField(help_text=_("Whether a 320 px WebP thumbnail exists."))

    def to_representation(self, instance: Attachment) -> dict[str, Any]:
        return attachment_payload(instance)


# The three JSON columns of a message, described for the schema only: ``message_payload``
# renders them as stored (services/conversations.py writes ``system``,
# ``services/messages.py`` ``forwarded_from`` and ``mentions``).
SYSTEM_EVENTS = [
    "created", "member_added", "members_added", "member_joined", "member_left",
    "member_removed", "settings_changed", "role_changed",
    "document_shared",  # posted by documents/services/shares.py
    "call",  # a finished call, posted by conferencing/services/calls.py
]  # fmt: skip


@extend_schema_serializer(component_name="SystemRecord")
class SystemRecordOutput(serializers.Serializer):
    """What a system message records; empty (``{}``) on every other kind of message."""

    event = serializers.ChoiceField(choices=SYSTEM_EVENTS, required=False)
    title = serializers.CharField(
        required=False, help_text=_("The title the conversation was created with (created).")
    )
    user = serializers.UUIDField(
        required=False,
        help_text=_("The member concerned (member_*, role_changed)."),
    )
    users = serializers.ListField(
        child=serializers.UUIDField(), required=False,
        help_text=_("The members one call added, in the order given (members_added)."),
    )  # fmt: skip
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, required=False, help_text=_("The new role.")
    )
    # A document card (document_shared): what the chat shows; the document itself is read
    # with GET documents/{document_id}, by those it is shared with.
    document_id = serializers.UUIDField(required=False, help_text=_("The shared document."))
    name = serializers.CharField(required=False, help_text=_("Its name when it was shared."))
    kind = serializers.CharField(required=False, help_text=_("file or rich_text."))
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Its current version's number, or null.")
    )
    status = serializers.CharField(required=False, help_text=_("Its approval status."))
    # A finished one-to-one call (call): the client words it ("Пропущенный звонок",
    # "Звонок, 12:34") from its state and duration.
    call_id = serializers.UUIDField(required=False, help_text=_("The call (call)."))
    call_kind = serializers.CharField(required=False, help_text=_("audio or video (call)."))
    call_state = serializers.CharField(
        required=False,
        help_text=_("How it ended: ended, missed, cancelled, declined, busy, failed (call)."),
    )
    duration_seconds = serializers.IntegerField(
        required=False, allow_null=True,
        help_text=_("How long it was connected, or null if never answered (call)."),
    )  # fmt: skip
    # A document's approval steps (documents/services/approval/): ``action`` instead of
    # ``event``; ``document_id`` and ``name`` (above) say which document.
    action = serializers.CharField(
        required=False, help_text=_("A document's approval step: approval_<step>.")
    )
    route_id = serializers.UUIDField(required=False)
    link = serializers.CharField(
        required=False, help_text=_("The document's page: /documents/<id>.")
    )
    stage = serializers.IntegerField(required=False)
    decision = serializers.CharField(required=False)
    deadline_at = serializers.DateTimeField(required=False)
    registration_number = serializers.CharField(required=False)
    task = serializers.BooleanField(
        required=False, help_text=_("A decision of the recipient is awaited.")
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # ``fields`` is also the serializer's own attribute; declared here, it shadows nothing.
        fields: dict[str, serializers.Field] = dict(super().get_fields())
        fields["fields"] = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text=_("The settings that changed (settings_changed)."),
        )
        return fields


@extend_schema_serializer(component_name="ForwardedFrom")
class ForwardedFromOutput(serializers.Serializer):
    """The original of a forwarded message (the first one, when a forward is forwarded)."""

    message_id = serializers.UUIDField()
    author_id = serializers.UUIDField(allow_null=True)
    conversation_id = serializers.UUIDField()


@extend_schema_serializer(component_name="MessageMentions")
class MessageMentionsOutput(serializers.Serializer):
    """Whom a message mentions, as stored; empty (``{}``) on system messages."""

    users = serializers.ListField(child=serializers.UUIDField(), required=False)
    departments = serializers.ListField(child=serializers.UUIDField(), required=False)
    all = serializers.BooleanField(required=False)


@extend_schema_serializer(component_name="Message")
class MessageOutput(serializers.Serializer):
    """A message as clients see it, in REST answers and in events
    (``messaging.events.message_payload``). A message deleted for everyone keeps its place
    with ``deleted: true``, empty ``body`` and no reactions, poll or attachments."""

    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    seq = serializers.IntegerField()
    author_id = serializers.UUIDField(allow_null=True)
    client_id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    body = serializers.CharField(allow_blank=True)
    body_html = serializers.CharField(allow_blank=True)
    system = SystemRecordOutput()
    reply_to = serializers.UUIDField(allow_null=True)
    thread_root = serializers.UUIDField(allow_null=True)
    reply_count = serializers.IntegerField()
    last_reply_at = serializers.DateTimeField(allow_null=True)
    forwarded_from = ForwardedFromOutput(allow_null=True)
    mentions = MessageMentionsOutput()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    edit_count = serializers.IntegerField()
    deleted = serializers.BooleanField()
    reactions = ReactionOutput(many=True)
    poll = PollOutput(allow_null=True)
    attachments = AttachmentOutput(many=True)

    def to_representation(self, instance: Message) -> dict[str, Any]:
        return message_payload(instance)


class ConversationFields(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Conversation.Kind.choices)
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=Conversation.Visibility.choices)
    comments_enabled = serializers.BooleanField()
    edit_window_seconds = serializers.IntegerField(
        help_text=_("How long authors may edit a message; 0: not at all.")
    )
    last_seq = serializers.IntegerField()


@extend_schema_serializer(component_name="Conversation")
class ConversationOutput(ConversationFields):
    """A conversation as events and answers carry it (``messaging.events.conversation_payload``)."""

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        return conversation_payload(instance)


class MembershipFields(ConversationFields):
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    last_read_seq = serializers.IntegerField()
    unread = serializers.IntegerField()
    mentions = serializers.IntegerField(help_text=_("Unread messages that mention the caller."))
    pinned = serializers.BooleanField()
    archived = serializers.BooleanField()
    muted_until = serializers.DateTimeField(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    peer_id = serializers.UUIDField(
        allow_null=True, help_text=_("The other member of a direct chat; null otherwise.")
    )


def _peer_id(membership: Membership) -> str | None:
    if membership.conversation.kind != Conversation.Kind.DIRECT:
        return None
    peer = getattr(membership, "peer_id", None)
    if peer is None:  # a membership that did not come from conversations_of
        peer = (
            Membership.objects.filter(conversation_id=membership.conversation_id)
            .exclude(user_id=membership.user_id)
            .values_list("user_id", flat=True)
            .first()
        )
    return str(peer) if peer else None


@extend_schema_serializer(component_name="MyConversation")
class MembershipOutput(MembershipFields):
    """A conversation as its member sees it in the list: with role, unread count, settings."""

    def to_representation(self, membership: Membership) -> dict[str, Any]:
        unread = membership.conversation.last_seq - membership.last_read_seq
        return {
            **conversation_payload(membership.conversation),
            "role": membership.role,
            "last_read_seq": membership.last_read_seq,
            "unread": max(0, unread),
            "mentions": getattr(membership, "mention_count", 0) or 0,
            "pinned": membership.pinned,
            "archived": membership.archived,
            "muted_until": membership.muted_until.isoformat() if membership.muted_until else None,
            "last_message_at": (
                membership.conversation.last_message_at.isoformat()
                if membership.conversation.last_message_at
                else None
            ),
            "peer_id": _peer_id(membership),
        }


@extend_schema_serializer(component_name="Member")
class MemberOutput(serializers.Serializer):
    """A current member of a conversation: the person, their role, when they joined."""

    user = UserOutput()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    joined_at = serializers.DateTimeField()


class ReactionInput(StrictInput):
    emoji = serializers.CharField(max_length=32)


class ConversationPatchInput(StrictInput):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Conversation.Visibility.choices, required=False)
    comments_enabled = serializers.BooleanField(required=False)
    edit_window_seconds = serializers.IntegerField(
        min_value=0, max_value=365 * 24 * 3600, required=False
    )


class MemberSettingsInput(StrictInput):
    muted_until = serializers.DateTimeField(required=False, allow_null=True)
    pinned = serializers.BooleanField(required=False)
    archived = serializers.BooleanField(required=False)


class RoleInput(StrictInput):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ForwardInput(StrictInput):
    conversation_id = UUIDInput()
    client_id = serializers.CharField(max_length=100)


class FollowInput(StrictInput):
    follow = serializers.BooleanField()


class SearchParams(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text=_("Words to find"))
    conversation = UUIDInput(required=False, help_text=_("In this conversation"))
    author = UUIDInput(required=False, help_text=_("Written by this user"))
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    has_file = QueryFlag(
        required=False, default=False, help_text=_("Only messages with at least one attachment")
    )
    mentions_me = QueryFlag(required=False, default=False)
    limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)


class ScheduleInput(StrictInput):
    client_id = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=MAX_BODY_CHARS * 2, trim_whitespace=False)
    send_at = serializers.DateTimeField()
    mentions = MentionsInput(required=False, default=dict)


@extend_schema_serializer(component_name="ScheduledMessage")
class ScheduledOutput(serializers.Serializer):
    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    client_id = serializers.CharField()
    body = serializers.CharField()
    send_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=ScheduledMessage.State.choices)
    message_id = serializers.UUIDField(allow_null=True, help_text=_("Once sent."))
    error = serializers.CharField(allow_blank=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "id": str(instance.id),
            "conversation_id": str(instance.conversation_id),
            "client_id": instance.client_id,
            "body": instance.body,
            "send_at": instance.send_at.isoformat(),
            "state": instance.state,
            "message_id": str(instance.message_id) if instance.message_id else None,
            "error": instance.error,
        }


class PollInput(StrictInput):
    client_id = serializers.CharField(max_length=100)
    question = serializers.CharField(max_length=300)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200), min_length=2, max_length=10
    )
    multiple = serializers.BooleanField(required=False, default=False)
    anonymous = serializers.BooleanField(required=False, default=False)


class VoteInput(StrictInput):
    options = serializers.ListField(child=serializers.IntegerField(min_value=0), max_length=10)


class OwnVoteOutput(serializers.Serializer):
    options = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("The caller's choice, ascending.")
    )


class NotificationListParams(serializers.Serializer):
    unread = QueryFlag(required=False, default=False, help_text=_("Unread ones only"))


class NotificationReadInput(StrictInput):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=1000
    )
    all = serializers.BooleanField(required=False, default=False)


class NotificationSettingsInput(StrictInput):
    email_digest = serializers.BooleanField()


@extend_schema_serializer(component_name="SyncConversation")
class SyncConversationOutput(MembershipFields):
    last_message = MessageOutput(allow_null=True)


class LimitsOutput(serializers.Serializer):
    """What a client checks before sending; the server enforces it regardless."""

    max_upload_bytes = serializers.IntegerField(help_text=_("The largest file an upload takes."))
    max_attachments_per_message = serializers.IntegerField()
    max_body_chars = serializers.IntegerField(help_text=_("Characters of a message body."))


class SyncOutput(serializers.Serializer):
    """``GET /sync``: the starting state of a client."""

    last_event_id = serializers.IntegerField(help_text=_("Resume the websocket from here."))
    topics = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("The head of every topic you follow: resume each from here."),
    )
    me = MeOutput()
    conversations = SyncConversationOutput(many=True)
    presence = serializers.DictField(
        child=serializers.ChoiceField(choices=["online", "away", "offline"]),
        help_text=_("The state of each direct-chat partner, by user id."),
    )
    users = UserOutput(
        many=True, help_text=_("Direct-chat partners and the authors of the last messages.")
    )
    limits = LimitsOutput()


class PresenceOutput(serializers.Serializer):
    presence = serializers.DictField(
        child=serializers.ChoiceField(choices=["online", "away", "offline"]),
        help_text=_("By user id."),
    )


@extend_schema_serializer(component_name="Notification")
class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()
    conversation = ConversationOutput()
    message = MessageOutput()

    def to_representation(self, instance: Notification) -> dict[str, Any]:
        return {
            "id": instance.id,
            "kind": instance.kind,
            "created_at": instance.created_at.isoformat(),
            "read": instance.read_at is not None,
            "conversation": conversation_payload(instance.conversation),
            "message": message_payload(instance.message),
        }


@extend_schema_serializer(component_name="SearchResult")
class SearchResultOutput(serializers.Serializer):
    message = MessageOutput()
    conversation = ConversationOutput()
    snippet = serializers.CharField(help_text=_("Escaped text; the matching words in <mark>."))


class ThreadPageOutput(serializers.Serializer):
    """A page of a thread's replies, oldest first, with the root message."""

    root = MessageOutput()
    following = serializers.BooleanField(help_text=_("The caller follows the thread."))
    results = MessageOutput(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class AttachmentLinkOutput(serializers.Serializer):
    url = serializers.URLField(help_text=_("Signed, for the caller only, short-lived."))


class MembersAddedOutput(serializers.Serializer):
    added = serializers.IntegerField(help_text=_("How many were not members before."))


class ReadOutput(serializers.Serializer):
    last_read_seq = serializers.IntegerField()


class ReactionAddedOutput(serializers.Serializer):
    added = serializers.BooleanField(help_text=_("False when the caller had reacted so already."))


class NotificationsMarkedOutput(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationSettingsOutput(serializers.Serializer):
    email_digest = serializers.BooleanField()
