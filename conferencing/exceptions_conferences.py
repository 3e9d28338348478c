"""Errors of conferences, guests and the media server."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PermissionDenied, PortalError


class ConferenceNotFound(NotFound):
    code = "conference_not_found"
    default_message = _("Conference not found.")


class ParticipantNotFound(NotFound):
    code = "participant_not_found"
    default_message = _("Participant not found.")


class InvalidConference(InvalidInput):
    code = "invalid_conference"
    default_message = _("The conference's title, time or invitees are not valid.")


class NotConferenceModerator(PermissionDenied):
    code = "not_conference_moderator"
    default_message = _("Only the conference's moderators can do this.")


class NotAllowedToSchedule(PermissionDenied):
    code = "not_allowed_to_schedule"
    default_message = _(
        "Only members who may post in this conversation can schedule a meeting in it."
    )


class ConferenceLocked(PermissionDenied):
    code = "conference_locked"
    default_message = _("The conference is locked: nobody new may join.")


class RemovedFromConference(PermissionDenied):
    code = "removed_from_conference"
    default_message = _("A moderator removed you from this conference.")


class ConferenceEnded(PortalError):
    code = "conference_ended"
    status = 409
    default_message = _("The conference has ended.")


class ConferenceFull(PortalError):
    code = "conference_full"
    status = 409
    default_message = _("The conference has as many participants as it can take.")


class NotInConference(PortalError):
    code = "not_in_conference"
    status = 409
    default_message = _("Join the conference first.")


class ConferenceNotMesh(PortalError):
    """Signals are relayed only while peers connect to each other; through Janus there are
    none (Janus does its own negotiation)."""

    code = "conference_not_mesh"
    status = 409
    default_message = _("The conference runs through the media server: no peer signalling.")


class ConferenceOnOtherDevice(PortalError):
    code = "conference_other_device"
    status = 409
    default_message = _("You joined this conference from another device.")


class GuestLinkNotFound(NotFound):
    code = "guest_link_not_found"
    default_message = _("Guest link not found.")


class GuestLinkInvalid(NotFound):
    code = "guest_link_invalid"
    default_message = _("This meeting link is not valid.")


class GuestLinkExpired(PermissionDenied):
    code = "guest_link_expired"
    default_message = _("This meeting link has expired. Ask the organizer for a new one.")


class GuestTokenInvalid(PortalError):
    code = "guest_token_invalid"
    status = 401
    default_message = _("The guest pass is not valid for this meeting, or has expired.")


class MediaServerUnavailable(PortalError):
    """Janus did not answer, or refused what Portal asked: nothing was changed."""

    code = "media_server_unavailable"
    status = 503
    default_message = _("The media server is unavailable. Try again in a minute.")
