"""Events of conferences: payloads and exactly who receives them.

- ``conference.add``: a conference was scheduled; to everyone who may see it.
- ``conference.update``: the conference changed (locked, moderators, topology, ended); to
  the users in it (joined or in the lobby) and its moderators.
- ``conference_participant.update``: one participant changed (joined, left, admitted, removed,
  muted, raised a hand…); to the users joined, and the participant themself. A change in
  the lobby goes to the moderators (joined or not) and the one waiting only; an admission
  goes to both (moderators watching the lobby see the guest leave it).
- ``conference_reminder.add``: the conference starts soon; to its invitees, organizer and
  moderators.

Guests are not users and have no event stream: they learn the same changes on the guest
socket (conferencing/consumers_conferences.py) or by polling their REST endpoints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from conferencing.models import Conference, Participant

Event = tuple[dict[str, Any], list[Any]]


def guests_group(conference_id: Any) -> str:
    """The channel-layer group of a conference's guest sockets (their doorbell)."""
    return f"conference-guests.{conference_id}"


def ends_at(conference: Conference) -> dt.datetime:
    return conference.starts_at + dt.timedelta(minutes=conference.duration_minutes)


def conference_payload(conference: Conference, *, for_guest: bool = False) -> dict[str, Any]:
    """A conference as a participant sees it; a guest does not learn its conversation, its
    organizer's id or its moderators' ids."""
    return {
        "id": str(conference.pk),
        "title": conference.title,
        "conversation_id": None
        if for_guest or conference.conversation_id is None
        else str(conference.conversation_id),
        "organizer_id": None if for_guest else str(conference.organizer_id),
        # .all(), not a query of its own: a list prefetches them.
        "moderator_ids": []
        if for_guest
        else sorted(str(m.pk) for m in conference.moderators.all()),
        "starts_at": _iso(conference.starts_at),
        "ends_at": _iso(ends_at(conference)),
        "duration_minutes": conference.duration_minutes,
        "started_at": _iso(conference.started_at),
        "ended_at": _iso(conference.ended_at),
        "locked": conference.locked,
        "topology": conference.topology,
        "invitation_url": None
        if for_guest
        else f"/api/v1/conferences/{conference.pk}/invitation.ics",
    }


def participant_payload(participant: Participant, *, for_guest: bool = False) -> dict[str, Any]:
    """A participant as others see them; a guest reader does not learn users' ids (as
    ``conference_payload`` hides the organizer's and moderators')."""
    return {
        "id": str(participant.pk),
        "user_id": str(participant.user_id) if participant.user_id and not for_guest else None,
        "display_name": participant.display_name,
        "guest": participant.user_id is None,
        "state": participant.state,
        "audio": participant.audio,
        "video": participant.video,
        "screen": participant.screen,
        "hand_raised_at": _iso(participant.hand_raised_at),
        "joined_at": _iso(participant.joined_at),
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _joined_user_ids(conference: Conference) -> set[Any]:
    return set(
        Participant.objects.filter(
            conference=conference, state=Participant.State.JOINED, user__isnull=False
        ).values_list("user_id", flat=True)
    )


def _moderator_ids(conference: Conference) -> set[Any]:
    return {conference.organizer_id, *conference.moderators.values_list("pk", flat=True)}


def conference_added_event(conference: Conference, *, recipients: Iterable[Any]) -> Event:
    return {"type": "conference", "op": "add", "conference": conference_payload(conference)}, list(
        recipients
    )


def conference_updated_event(conference: Conference) -> Event:
    users = set(
        Participant.objects.filter(
            conference=conference,
            state__in=[Participant.State.JOINED, Participant.State.LOBBY],
            user__isnull=False,
        ).values_list("user_id", flat=True)
    )
    return (
        {"type": "conference", "op": "update", "conference": conference_payload(conference)},
        sorted(users | _moderator_ids(conference), key=str),
    )


def participant_event(
    conference: Conference, participant: Participant, *, lobby: bool, admitted: bool = False
) -> Event:
    """``lobby``: the change is about someone waiting (arrived, left, turned away);
    ``admitted``: someone left the lobby by joining (those in it and the moderators)."""
    # Moderators hear of the lobby even before they join: someone is waiting for them.
    if lobby:
        users = _moderator_ids(conference)
    elif admitted:
        users = _moderator_ids(conference) | _joined_user_ids(conference)
    else:
        users = _joined_user_ids(conference)
    if participant.user_id is not None:
        users.add(participant.user_id)
    event = {
        "type": "conference_participant",
        "op": "update",
        "conference_id": str(conference.pk),
        "participant": participant_payload(participant),
    }
    return event, sorted(users, key=str)


def reminder_event(conference: Conference, *, recipients: Iterable[Any]) -> Event:
    return {
        "type": "conference_reminder", "op": "add", "conference": conference_payload(conference)
    }, list(recipients)  # fmt: skip
