"""Every write of calls and conferences (one module per entity, the public names here)."""

from conferencing.services.calls import (
    call_accept,
    call_cancel,
    call_decline,
    call_expire,
    call_hangup,
    call_start,
    calls_expire,
)
from conferencing.services.conferences import (
    conference_create,
    conference_end,
    conference_lock,
    conference_moderator_add,
    conferences_end_overdue,
)
from conferencing.services.conferences_guests import (
    guest_authenticate,
    guest_join,
    guest_link_create,
    guest_link_revoke,
    guests_expire,
)
from conferencing.services.conferences_participants import (
    conference_join,
    conference_leave,
    conference_mute,
    participant_admit,
    participant_media_set,
    participant_remove,
)
from conferencing.services.conferences_presence import (
    conference_users_connected,
    conference_users_disconnected,
    participants_lost_expire,
)
from conferencing.services.conferences_reminders import conference_reminders_send
from conferencing.services.presence import call_sessions_connected, call_sessions_disconnected

__all__ = [
    "call_accept",
    "call_cancel",
    "call_decline",
    "call_expire",
    "call_hangup",
    "call_sessions_connected",
    "call_sessions_disconnected",
    "call_start",
    "calls_expire",
    "conference_create",
    "conference_end",
    "conference_join",
    "conference_leave",
    "conference_lock",
    "conference_moderator_add",
    "conference_mute",
    "conference_reminders_send",
    "conference_users_connected",
    "conference_users_disconnected",
    "conferences_end_overdue",
    "guest_authenticate",
    "guest_join",
    "guest_link_create",
    "guest_link_revoke",
    "guests_expire",
    "participant_admit",
    "participant_media_set",
    "participant_remove",
    "participants_lost_expire",
]
