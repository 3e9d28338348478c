"""Errors of the websocket gateway; sent as ``{"type": "error", "error": {...}}`` frames
(docs/realtime.md lists each with the close code that follows it, if any)."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, PortalError


class MalformedFrame(InvalidInput):
    code = "malformed_frame"
    default_message = _("The frame is not a JSON object with a type.")


class UnknownFrameType(InvalidInput):
    code = "unknown_frame_type"
    default_message = _("Unknown frame type.")


class FrameTooLarge(InvalidInput):
    code = "frame_too_large"
    status = 413
    default_message = _("The frame is too large.")


class InvalidEventId(InvalidInput):
    code = "invalid_event_id"
    default_message = _("This event id is not one of your events.")


class ResumeTooLate(PortalError):
    code = "resume_too_late"
    status = 409
    default_message = _(
        "Events were already sent on this socket: reconnect with ?last_event_id= instead."
    )


class AlreadyAuthenticated(PortalError):
    code = "already_authenticated"
    status = 409
    default_message = _("This socket is already signed in.")


class AuthTimeout(PortalError):
    code = "auth_timeout"
    status = 408
    default_message = _("No auth frame arrived in time.")
