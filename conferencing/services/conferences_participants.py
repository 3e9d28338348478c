"""Joining, leaving and moderating the people in a conference.

Lobby rule (docs/api.md, "Conferences"): guests always wait in the lobby until a
moderator admits them; users entitled to the conference (members of its conversation,
invitees, moderators) join directly. A locked room takes nobody new: a user who was never
in it is refused (``conference_locked``), and guest links stop admitting; those already in
the lobby may still be admitted, and those who left may come back. A participant a
moderator removed may not join again.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from conferencing import events_conferences as events
from conferencing.exceptions_conferences import (
    ConferenceLocked,
    ConferenceNotFound,
    NotInConference,
    ParticipantNotFound,
    RemovedFromConference,
)
from conferencing.models import Conference, Participant
from conferencing.selectors_conferences import (
    Actor,
    access_conference,
    access_participant,
    entitled_to,
    participant_of,
    require_moderator,
)
from conferencing.services.conferences import audit, require_open, send
from conferencing.services.conferences_media import (
    media_admit,
    media_close,
    media_revoke,
    new_media_id,
)
from portal import clock
from portal.accounts.models import AuthSession, User
from portal.audit.services import RequestContext

State = Participant.State


def new_participant(conference: Conference, **fields: Any) -> Participant:
    """An unsaved participant row with its own Janus token and feed id."""
    return Participant(
        conference=conference, janus_token=secrets.token_hex(24), feed_id=new_media_id(),
        created_at=clock.now(), **fields,
    )  # fmt: skip


def _enter(conference: Conference, participant: Participant, *, admitted: bool = False) -> None:
    """``participant`` (saved or not) joins now: the media topology makes room, and
    everyone learns it (``conference.update`` first when the room moved to Janus)."""
    joined = Participant.objects.filter(conference=conference, state=State.JOINED).count()
    switched = media_admit(conference, participant, joined=joined + 1)
    try:
        now = clock.now()
        participant.state, participant.joined_at, participant.left_at = State.JOINED, now, None
        participant.lost_at = None
        participant.save()
        if conference.started_at is None:
            conference.started_at = now
            conference.save(update_fields=["started_at"])
        if switched:
            send(events.conference_updated_event(conference))
        send(events.participant_event(conference, participant, lobby=False, admitted=admitted))
    except BaseException:
        if switched:
            # The transaction rolls back and its secret with it: destroy the room made for
            # it now, or nobody ever could.
            media_close(conference)
        raise


def conference_join(
    *, actor: User, conference_id: Any, session: AuthSession | None = None
) -> Participant:
    """``actor`` joins (or comes back to) the conference; see the module's lobby rule.
    Answers the participant row, joined. ``session`` is the device joining: the mesh's
    signals to ``actor`` go to it (joining again from another device moves them there)."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_open(conference)
        participant = participant_of(conference, actor)
        if participant is not None and participant.state == State.REMOVED:
            raise RemovedFromConference()
        if participant is not None and participant.state == State.JOINED:
            if session is not None and participant.session_id != session.pk:
                participant.session = session
                participant.save(update_fields=["session"])
            return participant
        if not Conference.objects.filter(entitled_to(actor), pk=conference.pk).exists():
            # Having taken part once is no right to come back (say, after leaving the
            # conversation): the caller learns no more than an outsider.
            raise ConferenceNotFound()
        if participant is None:
            if conference.locked:
                raise ConferenceLocked()
            participant = new_participant(
                conference, user=actor, display_name=(actor.full_name or actor.login)[:100],
                state=State.LEFT,
            )  # fmt: skip
        elif participant.state == State.LOBBY:
            raise NotInConference()
        participant.session = session
        _enter(conference, participant)
    return participant


def conference_leave(*, actor: Actor, conference_id: Any) -> Participant:
    """The actor leaves (a guest's pass then stops working: a guest who left is done); in
    a Janus room their token is withdrawn, as for a removal (``media_admit`` grants it
    again if they come back)."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        participant = participant_of(conference, actor)
        if participant is None or participant.state not in (State.JOINED, State.LOBBY):
            raise NotInConference()
        depart(conference, participant, state=State.LEFT)
    return participant


def depart(conference: Conference, participant: Participant, *, state: str) -> None:
    """``participant`` (joined or in the lobby) leaves now as ``state`` (left or removed):
    their Janus token stops admitting them and any feed they still have is kicked (so
    nobody listed as gone can still watch), and those who saw them get the change. Called
    with the conference row locked."""
    was_lobby = participant.state == State.LOBBY
    recipients = events.participant_event(conference, participant, lobby=was_lobby)[1]
    media_revoke(conference, participant)
    participant.state, participant.left_at, participant.lost_at = state, clock.now(), None
    participant.audio = participant.video = participant.screen = False
    participant.hand_raised_at = None
    participant.save()
    payload, _users = events.participant_event(conference, participant, lobby=was_lobby)
    send((payload, recipients))


def participant_media_set(
    *,
    actor: Actor,
    conference_id: Any,
    audio: bool | None = None,
    video: bool | None = None,
    screen: bool | None = None,
    hand_raised: bool | None = None,
) -> Participant:
    """The actor's own microphone, camera, screen share and raised hand, as their client
    reports them (Portal relays no media: this is what others are shown)."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_open(conference)
        participant = participant_of(conference, actor)
        if participant is None or participant.state != State.JOINED:
            raise NotInConference()
        for field, value in (("audio", audio), ("video", video), ("screen", screen)):
            if value is not None:
                setattr(participant, field, value)
        if hand_raised is not None:
            if not hand_raised:
                participant.hand_raised_at = None
            elif participant.hand_raised_at is None:
                participant.hand_raised_at = clock.now()
        participant.save()
        send(events.participant_event(conference, participant, lobby=False))
    return participant


def conference_mute(
    *,
    actor: Actor,
    conference_id: Any,
    participant_id: Any = None,
    context: RequestContext | None = None,
) -> list[Participant]:
    """A moderator mutes one participant, or (``participant_id`` None) everyone joined but
    themself. Each one muted is a ``conference_participant.update`` event; their client turns
    the microphone off (they may turn it on again)."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        if participant_id is not None:
            targets = [access_participant(conference, participant_id)]
            if targets[0].state != State.JOINED:
                raise ParticipantNotFound()
        else:
            targets = list(
                Participant.objects.filter(
                    conference=conference, state=State.JOINED, audio=True
                ).exclude(user_id=actor.pk)
            )
        muted = [p for p in targets if p.audio]
        for participant in muted:
            participant.audio = False
            participant.save(update_fields=["audio"])
            send(events.participant_event(conference, participant, lobby=False))
        if participant_id is not None:
            audit("conference.mute", actor=actor, conference=conference, context=context,
                  participant=targets[0])  # fmt: skip
        else:
            audit("conference.mute", actor=actor, conference=conference, context=context,
                  participant_ids=[str(p.pk) for p in muted])  # fmt: skip
    return muted


def participant_remove(
    *,
    actor: Actor,
    conference_id: Any,
    participant_id: Any,
    context: RequestContext | None = None,
) -> Participant:
    """A moderator removes a participant (joined or waiting in the lobby): they are dropped
    from the Janus room, their token revoked, they may not join again, and a removed
    co-moderator stops being one."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        participant = access_participant(conference, participant_id)
        if participant.state == State.REMOVED or participant.user_id == conference.organizer_id:
            raise ParticipantNotFound()
        depart(conference, participant, state=State.REMOVED)
        user = participant.user
        if user is not None and conference.moderators.filter(pk=user.pk).exists():
            # Removing a co-moderator takes their powers too (else they could re-admit
            # themself as a guest, lock or end the meeting).
            conference.moderators.remove(user)
            send(events.conference_updated_event(conference))
        audit("conference.participant_remove", actor=actor, conference=conference,
              context=context, participant=participant)  # fmt: skip
    return participant


def participant_admit(
    *,
    actor: Actor,
    conference_id: Any,
    participant_id: Any,
    context: RequestContext | None = None,
) -> Participant:
    """A moderator admits someone waiting in the lobby: they join now."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        participant = access_participant(conference, participant_id)
        if participant.state != State.LOBBY:
            raise ParticipantNotFound()
        _enter(conference, participant, admitted=True)
        # Letting an outsider into an agency meeting is the decision most worth a record.
        audit("conference.participant_admit", actor=actor, conference=conference,
              context=context, participant=participant)  # fmt: skip
    return participant
