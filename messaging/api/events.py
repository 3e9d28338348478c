"""The messaging events (messaging/events.py) as the schema documents them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from messaging.api.serializers import (
    ConversationOutput,
    MessageInput,
    MessageOutput,
    PollOutput,
)
from messaging.models import Membership
from portal.api.events_schema import const


class MessageEvent(serializers.Serializer):
    """``message.add`` / ``message.update`` / ``message.remove``."""

    type = const("message")
    op = const("add", "update", "remove")
    message = MessageOutput()


class HiddenMessageEvent(serializers.Serializer):
    """``hidden_message.add`` / ``hidden_message.remove``: to the member's own devices;
    ``remove`` carries the message."""

    type = const("hidden_message")
    op = const("add", "remove")
    conversation_id = serializers.UUIDField()
    message_id = serializers.UUIDField()
    message = MessageOutput(required=False)


class MembershipEvent(serializers.Serializer):
    """``membership.add`` / ``membership.remove``: one event for everyone a call added (or
    the one member removed or leaving)."""

    type = const("membership")
    op = const("add", "remove")
    conversation = ConversationOutput()
    user_ids = serializers.ListField(
        child=serializers.UUIDField(), min_length=1,
        help_text=_("Everyone added (or the one removed) by this change."),
    )  # fmt: skip
    user_id = serializers.UUIDField(
        help_text=_("Deprecated: the first of user_ids, for clients that read one user.")
    )


class MemberSettingsEvent(serializers.Serializer):
    """``member_settings.update``: the member's own settings, to their devices."""

    type = const("member_settings")
    op = const("update")
    conversation_id = serializers.UUIDField()
    muted_until = serializers.DateTimeField(allow_null=True)
    pinned = serializers.BooleanField()
    archived = serializers.BooleanField()


class MembershipRoleEvent(serializers.Serializer):
    """``membership.update``: a member's role changed."""

    type = const("membership")
    op = const("update")
    conversation_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ReadEvent(serializers.Serializer):
    """``read.update``."""

    type = const("read")
    op = const("update")
    conversation_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    seq = serializers.IntegerField()


class ReactionEvent(serializers.Serializer):
    """``reaction.add`` / ``reaction.remove``."""

    type = const("reaction")
    op = const("add", "remove")
    conversation_id = serializers.UUIDField()
    message_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    emoji = serializers.CharField()


class PinEvent(serializers.Serializer):
    """``pin.add`` / ``pin.remove``."""

    type = const("pin")
    op = const("add", "remove")
    conversation_id = serializers.UUIDField()
    message_id = serializers.UUIDField()
    user_id = serializers.UUIDField()


class ConversationEvent(serializers.Serializer):
    """``conversation.update``."""

    type = const("conversation")
    op = const("update")
    conversation = ConversationOutput()


class ThreadEvent(serializers.Serializer):
    """``thread.update``."""

    type = const("thread")
    op = const("update")
    conversation_id = serializers.UUIDField()
    root_id = serializers.UUIDField()
    reply_count = serializers.IntegerField()
    last_reply_at = serializers.DateTimeField(allow_null=True)


class PollEvent(serializers.Serializer):
    """``poll.update``."""

    type = const("poll")
    op = const("update")
    conversation_id = serializers.UUIDField()
    message_id = serializers.UUIDField()
    poll = PollOutput()


EVENTS = {
    "message.add": MessageEvent,
    "message.update": MessageEvent,
    "message.remove": MessageEvent,
    "hidden_message.add": HiddenMessageEvent,
    "hidden_message.remove": HiddenMessageEvent,
    "membership.add": MembershipEvent,
    "membership.remove": MembershipEvent,
    "membership.update": MembershipRoleEvent,
    "member_settings.update": MemberSettingsEvent,
    "read.update": ReadEvent,
    "reaction.add": ReactionEvent,
    "reaction.remove": ReactionEvent,
    "pin.add": PinEvent,
    "pin.remove": PinEvent,
    "conversation.update": ConversationEvent,
    "thread.update": ThreadEvent,
    "poll.update": PollEvent,
}


# --- frames of the socket (portal.realtime.gateway; registered by messaging/realtime.py) ---


class TypingFrame(serializers.Serializer):
    """A member is typing in a conversation (not stored; expires by itself)."""

    type = const("typing")
    conversation_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    expires_in = serializers.IntegerField(help_text="Seconds")


class PresenceFrame(serializers.Serializer):
    """A contact's presence changed (not stored)."""

    type = const("presence")
    user_id = serializers.UUIDField()
    state = const("online", "away", "offline")


class TypingClientFrame(serializers.Serializer):
    type = const("typing")
    conversation_id = serializers.UUIDField()


class PresenceClientFrame(serializers.Serializer):
    type = const("presence")
    state = const("online", "away")


class MessageSendClientFrame(MessageInput):
    """``message.send``: the body of ``POST /conversations/{id}/messages`` with the
    conversation and a ``ref`` the answer (``ack`` or ``error``) repeats."""

    type = const("message.send")
    ref = serializers.CharField(max_length=64)
    conversation_id = serializers.UUIDField()


SERVER_FRAMES = {"typing": TypingFrame, "presence": PresenceFrame}
