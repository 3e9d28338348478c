"""Calls and conferences (one module per entity)."""

from conferencing.models.conferences import (
    Conference,
    ConferenceGuestLink,
    ConferenceInvitee,
    Participant,
)

__all__ = ["Conference", "ConferenceGuestLink", "ConferenceInvitee", "Participant"]
