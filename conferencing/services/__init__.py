"""Every write of the conferencing app (one module per entity)."""

from conferencing.services.conferences import (
    conference_create,
    conference_end,
    conference_lock,
    conference_moderator_add,
)
from conferencing.services.conferences_guests import (
    guest_authenticate,
    guest_join,
    guest_link_create,
)
from conferencing.services.conferences_participants import (
    conference_join,
    conference_leave,
    conference_mute,
    participant_admit,
    participant_media_set,
    participant_remove,
)
from conferencing.services.conferences_reminders import conference_reminders_send

__all__ = [
    "conference_create",
    "conference_end",
    "conference_join",
    "conference_leave",
    "conference_lock",
    "conference_moderator_add",
    "conference_mute",
    "conference_reminders_send",
    "guest_authenticate",
    "guest_join",
    "guest_link_create",
    "participant_admit",
    "participant_media_set",
    "participant_remove",
]
