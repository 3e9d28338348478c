"""Reads and access checks of conferences.

Who may join a conference (``entitled_to``): its organizer and moderators, its invitees and
the current members of its conversation. Who may see it (``visible_to``): those, and whoever
is in it right now; a guest sees only their own conference. Everyone else gets
``conference_not_found``, exactly as for a conference that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from conferencing.exceptions_conferences import (
    ConferenceNotFound,
    NotConferenceModerator,
    ParticipantNotFound,
)
from conferencing.models import Conference, Participant
from messaging.models import Membership
from portal.accounts.models import User
from portal.db import require_transaction
from portal.ids import as_uuid

# The caller of a conference endpoint: a signed-in user, or a guest's participant row.
Actor = User | Participant


def entitled_to(user: User) -> Q:
    """The conferences ``user`` has the right to join, as a filter on Conference: as its
    organizer, a moderator, an invitee or a current member of its conversation."""
    conversations = Membership.objects.filter(user=user, left_at__isnull=True).values(
        "conversation_id"
    )
    return (
        Q(organizer=user)
        | Q(moderators=user)
        | Q(invitees__user=user)
        | Q(conversation_id__in=conversations)
    )


def visible_to(user: User) -> Q:
    """The conferences ``user`` may see: those they are entitled to, and those they are in
    right now (so that someone who lost the right mid-meeting can still leave it). Having
    taken part once gives no lasting sight."""
    return entitled_to(user) | Q(
        participants__user=user, participants__state=Participant.State.JOINED
    )


def access_conference(actor: Actor, conference_id: Any, *, for_update: bool = False) -> Conference:
    """The conference, if ``actor`` may see it (a guest: only their own); "not found"
    otherwise. ``for_update`` locks its row (inside the caller's transaction), which
    serialises every change of who is in it."""
    pk = as_uuid(conference_id)
    if pk is None:
        raise ConferenceNotFound()
    if isinstance(actor, Participant):
        if actor.conference_id != pk:
            raise ConferenceNotFound()
        found = Conference.objects.filter(pk=pk)
    else:
        visible = Conference.objects.filter(visible_to(actor)).filter(pk=pk).values("pk")
        found = Conference.objects.filter(pk__in=visible)
    if for_update:
        require_transaction("access_conference(for_update=True)")
        # OF self: the joined organizer row stays free (calls and profiles lock users).
        found = found.select_for_update(of=("self",))
    conference = found.select_related("organizer").first()
    if conference is None:
        raise ConferenceNotFound()
    return conference


def is_moderator(conference: Conference, actor: Actor) -> bool:
    """The organizer or a named moderator, unless removed from the meeting."""
    if isinstance(actor, Participant):
        return False
    if not (
        conference.organizer_id == actor.pk or conference.moderators.filter(pk=actor.pk).exists()
    ):
        return False
    return not Participant.objects.filter(
        conference=conference, user=actor, state=Participant.State.REMOVED
    ).exists()


def require_moderator(conference: Conference, actor: Actor) -> None:
    """Raises NotConferenceModerator unless ``actor`` moderates ``conference`` (an actor
    who may not even see it never gets here: access_conference said "not found")."""
    if not is_moderator(conference, actor):
        raise NotConferenceModerator()


def participant_of(conference: Conference, actor: Actor) -> Participant | None:
    """The actor's own participant row in the conference, if any."""
    if isinstance(actor, Participant):
        return Participant.objects.filter(pk=actor.pk).first()
    return Participant.objects.filter(conference=conference, user=actor).first()


def access_participant(conference: Conference, participant_id: Any) -> Participant:
    pk = as_uuid(participant_id)
    participant = Participant.objects.filter(conference=conference, pk=pk).first() if pk else None
    if participant is None:
        raise ParticipantNotFound()
    return participant


def participants_in(conference: Conference, *, lobby: bool) -> QuerySet[Participant]:
    """Those joined, in the order they arrived; with ``lobby``, those waiting too."""
    states = [Participant.State.JOINED]
    if lobby:
        states.append(Participant.State.LOBBY)
    return Participant.objects.filter(conference=conference, state__in=states).order_by(
        "created_at", "id"
    )


def conferences_of(user: User) -> QuerySet[Conference]:
    """The conferences ``user`` may see, soonest first."""
    visible = Conference.objects.filter(visible_to(user)).values("pk")
    return Conference.objects.filter(pk__in=visible).order_by("starts_at", "id")
