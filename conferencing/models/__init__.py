"""Calls and conferences (one module per entity, the public names here)."""

from conferencing.models.calls import Call
from conferencing.models.conferences import (
    Conference,
    ConferenceGuestLink,
    ConferenceInvitee,
    Participant,
)

__all__ = ["Call", "Conference", "ConferenceGuestLink", "ConferenceInvitee", "Participant"]
