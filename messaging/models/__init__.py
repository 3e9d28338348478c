"""Conversations, their members and their messages, split by entity and imported from here.

Migrations name ``messaging.models.PostgresGinIndex`` and ``messaging.models.PostgresOnly``,
so those stay importable from here too.
"""

from messaging.models.attachments import Attachment
from messaging.models.conversations import (
    Conversation,
    ConversationGroupObjectPermission,
    ConversationUserObjectPermission,
    Membership,
)
from messaging.models.messages import (
    SEARCH_VECTOR,
    HiddenMessage,
    Mention,
    Message,
    MessageEdit,
    Pin,
    PostgresGinIndex,
    PostgresOnly,
    Reaction,
    ThreadFollow,
)
from messaging.models.notifications import Notification, NotificationSettings
from messaging.models.polls import Poll, PollVote
from messaging.models.scheduled import ScheduledMessage

__all__ = [
    "SEARCH_VECTOR",
    "Attachment",
    "Conversation",
    "ConversationGroupObjectPermission",
    "ConversationUserObjectPermission",
    "HiddenMessage",
    "Membership",
    "Mention",
    "Message",
    "MessageEdit",
    "Notification",
    "NotificationSettings",
    "Pin",
    "Poll",
    "PollVote",
    "PostgresGinIndex",
    "PostgresOnly",
    "Reaction",
    "ScheduledMessage",
    "ThreadFollow",
]
