"""Input and output shapes of the messaging API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from messaging.events import conversation_payload, message_payload
from messaging.models import Conversation, Membership, Message
from messaging.services import MAX_BODY_CHARS
from messaging.services.attachments import MAX_ATTACHMENTS_PER_MESSAGE
from portal.api.serializers import StrictInput


class ConversationInput(StrictInput):
    kind = serializers.ChoiceField(choices=[Conversation.Kind.GROUP, Conversation.Kind.CHANNEL])
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    member_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=10_000
    )
    visibility = serializers.ChoiceField(
        choices=Conversation.Visibility.choices, required=False,
        default=Conversation.Visibility.PRIVATE,
    )  # fmt: skip
    comments_enabled = serializers.BooleanField(required=False, default=False)


class DirectInput(StrictInput):
    user_id = serializers.UUIDField()


class MentionsInput(StrictInput):
    users = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    departments = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    all = serializers.BooleanField(required=False, default=False)


class MessageInput(StrictInput):
    client_id = serializers.CharField(max_length=100)
    # Length is checked by the service after trimming; this bound only stops huge bodies.
    body = serializers.CharField(
        max_length=MAX_BODY_CHARS * 2, trim_whitespace=False, allow_blank=True, required=False,
        default="",
    )  # fmt: skip
    reply_to = serializers.UUIDField(required=False, allow_null=True, default=None)
    thread_root = serializers.UUIDField(required=False, allow_null=True, default=None)
    mentions = MentionsInput(required=False, default=dict)
    # Uploads from POST /conversations/{id}/attachments; with them the body may be empty.
    attachment_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list,
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
    user_ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=1000)


class ReadInput(StrictInput):
    seq = serializers.IntegerField(min_value=0)


class MessageOutput(serializers.Serializer):
    def to_representation(self, instance: Message) -> dict[str, Any]:
        return message_payload(instance)


class MembershipOutput(serializers.Serializer):
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
        }


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
    conversation_id = serializers.UUIDField()
    client_id = serializers.CharField(max_length=100)


class FollowInput(StrictInput):
    follow = serializers.BooleanField()


class SearchParams(serializers.Serializer):
    q = serializers.CharField(max_length=200)
    conversation = serializers.UUIDField(required=False)
    author = serializers.UUIDField(required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    has_file = serializers.BooleanField(required=False, default=False)
    mentions_me = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)


class ScheduleInput(StrictInput):
    client_id = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=MAX_BODY_CHARS * 2, trim_whitespace=False)
    send_at = serializers.DateTimeField()
    mentions = MentionsInput(required=False, default=dict)


class ScheduledOutput(serializers.Serializer):
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


class NotificationReadInput(StrictInput):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=1000
    )
    all = serializers.BooleanField(required=False, default=False)


class NotificationSettingsInput(StrictInput):
    email_digest = serializers.BooleanField()
