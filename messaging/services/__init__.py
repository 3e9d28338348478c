"""Every write of the messaging app, split by entity and imported from here.

Each service checks permissions and input itself, runs in one transaction, and publishes
its events to exactly the members who may see them, after commit.
"""

from messaging.services.common import (
    MAX_BODY_CHARS,
    MAX_GROUP_MEMBERS,
    MAX_MENTIONS,
    MENTION_ALL_FREE_UP_TO,
    RECEIPTS_MAX_MEMBERS,
)
from messaging.services.conversations import (
    CONVERSATION_SETTINGS,
    MAX_CHANNEL_MEMBERS,
    MAX_MEMBERS_PER_CALL,
    conversation_create,
    conversation_join,
    conversation_mark_read,
    conversation_member_remove,
    conversation_members_add,
    conversation_update,
    direct_conversation,
    member_permissions_set,
    member_role_set,
    member_settings_update,
)
from messaging.services.messages import (
    message_delete,
    message_edit,
    message_forward,
    message_hide,
    message_pin,
    message_send,
    reaction_add,
    reaction_remove,
    thread_follow,
)
from messaging.services.polls import poll_close, poll_create, poll_vote
from messaging.services.presence import (
    presence_gone,
    presence_renew,
    presence_set,
    typing_notify,
)
from messaging.services.scheduled import (
    MAX_SCHEDULE_AHEAD,
    message_schedule,
    scheduled_message_cancel,
    scheduled_messages_send_due,
)

__all__ = [
    "CONVERSATION_SETTINGS",
    "MAX_BODY_CHARS",
    "MAX_CHANNEL_MEMBERS",
    "MAX_GROUP_MEMBERS",
    "MAX_MEMBERS_PER_CALL",
    "MAX_MENTIONS",
    "MAX_SCHEDULE_AHEAD",
    "MENTION_ALL_FREE_UP_TO",
    "RECEIPTS_MAX_MEMBERS",
    "conversation_create",
    "conversation_join",
    "conversation_mark_read",
    "conversation_member_remove",
    "conversation_members_add",
    "conversation_update",
    "direct_conversation",
    "member_permissions_set",
    "member_role_set",
    "member_settings_update",
    "message_delete",
    "message_edit",
    "message_forward",
    "message_hide",
    "message_pin",
    "message_schedule",
    "message_send",
    "poll_close",
    "poll_create",
    "poll_vote",
    "presence_gone",
    "presence_renew",
    "presence_set",
    "reaction_add",
    "reaction_remove",
    "scheduled_message_cancel",
    "scheduled_messages_send_due",
    "thread_follow",
    "typing_notify",
]
