"""Mesh signalling of conferences: SDP offers and answers and ICE candidates between two
joined participants of a running peer-to-peer conference, and nowhere else.

A ``conference.signal`` frame comes from a signed-in participant's event socket (``/ws/``)
or an admitted guest's socket (``/ws/conferences/guest/``), addressed ``to`` a participant
id; it has the shape, the size limit and the per-socket rate limit of call signalling
(conferencing/signalling.py: ``signal_parse``, ``signal_allow``). It is relayed, never
stored, to the target's own sockets only — the sign-in session the user joined from, or
the guest's socket — stamped with ``from``, the sender's participant id. Both must be
joined (admitted, not removed, not left), the conference running and still a mesh (through
Janus there is nothing to relay); anything else is an error frame and nothing is relayed.
Someone who may not see the conference learns nothing (``conference_not_found``, as for
one that does not exist).
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from conferencing.exceptions_conferences import (
    ConferenceNotMesh,
    ConferenceOnOtherDevice,
    GuestTokenInvalid,
    NotInConference,
    ParticipantNotFound,
    RemovedFromConference,
)
from conferencing.models import Conference, Participant
from conferencing.selectors_conferences import (
    Actor,
    access_conference,
    access_participant,
    participant_of,
)
from conferencing.services.conferences import require_open
from conferencing.services.conferences_guests import pass_valid
from portal.accounts.models import AuthSession
from portal.realtime.services import send_ephemeral

# The keys that address a conference's signal (besides its sdp or candidate).
SIGNAL_IDS = ("conference_id", "to")


def guest_group(participant_id: Any) -> str:
    """The channel-layer group of one guest's sockets (the signals to them)."""
    return f"conference-guest.{participant_id}"


def conference_signal(
    *, actor: Actor, session: AuthSession | None, conference_id: Any, to: Any,
    signal: dict[str, Any],
) -> Participant:  # fmt: skip
    """Relay a parsed signal (``signal_parse``) from ``actor`` — a user on the socket of
    ``session``, or a guest — to the joined participant ``to``; answers the target.

    Refused: ``conference_not_found`` (may not see it), ``conference_ended``,
    ``conference_not_mesh``, ``removed_from_conference`` / ``not_in_conference`` (the
    sender is not joined: removed, in the lobby, left), ``guest_token_invalid`` (a guest
    whose pass expired), ``conference_other_device`` (a user's device that is not the one
    they joined from), ``participant_not_found`` (the target is not joined here, or is
    the sender)."""
    conference = access_conference(actor, conference_id)
    require_open(conference)
    if conference.topology != Conference.Topology.MESH:
        raise ConferenceNotMesh()
    sender = participant_of(conference, actor)
    if sender is not None and sender.state == Participant.State.REMOVED:
        raise RemovedFromConference()
    if sender is None or sender.state != Participant.State.JOINED:
        raise NotInConference()
    if sender.is_guest:
        sender.conference = conference
        if not pass_valid(sender):
            raise GuestTokenInvalid()
    elif session is None or sender.session_id != session.pk:
        raise ConferenceOnOtherDevice()
    target = access_participant(conference, to)
    if target.state != Participant.State.JOINED or target.pk == sender.pk:
        raise ParticipantNotFound()
    frame = {
        "type": "conference.signal",
        "conference_id": str(conference.pk),
        "from": str(sender.pk),
        **signal,
    }
    if target.is_guest:
        layer = get_channel_layer()
        if layer is not None:
            message = {"type": "conference.signal", "frame": frame}
            async_to_sync(layer.group_send)(guest_group(target.pk), message)
    elif target.session_id is not None:
        send_ephemeral(frame, session_ids=[target.session_id])
    return target
