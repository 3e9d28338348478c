"""Errors of conversations and messages."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PermissionDenied, PortalError

# Shared with every upload path (documents too); re-exported where messaging raised it.
from portal.storage.content import FileTypeNotAllowed as FileTypeNotAllowed


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    default_message = _("Conversation not found.")


class MessageNotFound(NotFound):
    code = "message_not_found"
    default_message = _("Message not found.")


class NotAllowedToPost(PermissionDenied):
    code = "posting_not_allowed"
    default_message = _("Only administrators post in this conversation.")


class NotConversationAdmin(PermissionDenied):
    code = "not_conversation_admin"
    default_message = _("Only the conversation's administrators can do this.")


class EditNotAllowed(PermissionDenied):
    code = "edit_not_allowed"
    default_message = _("You can edit only your own messages, within the edit window.")


class DeleteNotAllowed(PermissionDenied):
    code = "delete_not_allowed"
    default_message = _("You can delete only your own messages, unless you are an administrator.")


class InvalidMessage(InvalidInput):
    code = "invalid_message"
    default_message = _("The message is empty or too long.")


class InvalidMembers(InvalidInput):
    code = "invalid_members"
    default_message = _("Some of these users cannot be added.")


class OwnerCannotLeave(PortalError):
    code = "owner_cannot_leave"
    status = 409
    default_message = _("Transfer ownership before leaving.")


class InvalidReaction(InvalidInput):
    code = "invalid_reaction"
    default_message = _("A reaction is a single emoji.")


class TooManyMentions(InvalidInput):
    code = "too_many_mentions"
    default_message = _("A message may mention at most 50 people and departments.")


class MentionAllNotAllowed(PermissionDenied):
    code = "mention_all_not_allowed"
    default_message = _("In large groups only administrators may mention everyone.")


class ScheduledMessageNotFound(NotFound):
    code = "scheduled_message_not_found"
    default_message = _("Scheduled message not found.")


class InvalidSchedule(InvalidInput):
    code = "invalid_schedule"
    default_message = _("Choose a time in the future, at most a year ahead.")


class InvalidPoll(InvalidInput):
    code = "invalid_poll"
    default_message = _("A poll needs a question and 2 to 10 different options.")


class InvalidVote(InvalidInput):
    code = "invalid_vote"
    default_message = _("Choose one of the poll's options (several only where allowed).")


class PollClosed(PortalError):
    code = "poll_closed"
    status = 409
    default_message = _("The poll is closed.")


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    default_message = _("Attachment not found.")


class ThumbnailNotFound(NotFound):
    code = "thumbnail_not_found"
    default_message = _("This attachment has no thumbnail.")


class InvalidAttachments(InvalidInput):
    code = "invalid_attachments"
    default_message = _(
        "Attach up to 10 of your own files uploaded to this conversation and not sent yet."
    )
