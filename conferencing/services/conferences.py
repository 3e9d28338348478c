"""Scheduling, locking, moderators and ending of conferences."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from conferencing import events_conferences as events
from conferencing.exceptions_conferences import (
    ConferenceEnded,
    InvalidConference,
    NotAllowedToSchedule,
)
from conferencing.models import Conference, ConferenceInvitee, Participant
from conferencing.selectors_conferences import (
    Actor,
    access_conference,
    entitled_to,
    require_moderator,
)
from conferencing.services.conferences_media import media_close
from messaging.models import Membership
from messaging.permissions import POST_MESSAGE, require_perm
from messaging.selectors import access_conversation
from portal import clock
from portal.accounts.models import User
from portal.accounts.selectors import access_department, access_user
from portal.audit.services import RequestContext, record
from portal.realtime import publish

MAX_TITLE = 200
MAX_DURATION_MINUTES = 24 * 60
# A start this far in the past still counts as "now" (the clocks of clients drift).
START_SLACK = dt.timedelta(minutes=5)
MAX_AHEAD = dt.timedelta(days=366)


def send(event: events.Event) -> None:
    """Publish one built event (inside the service's transaction: it goes out on commit);
    a change of a running conference also rings its guests' sockets after commit."""
    payload, user_ids = event
    publish(payload, user_ids=user_ids)
    if payload["op"] == "update":
        conference_id = payload.get("conference_id") or payload["conference"]["id"]
        transaction.on_commit(lambda: ring_guests(conference_id), robust=True)


def ring_guests(conference_id: Any) -> None:
    """Wake the guest sockets of a conference: they re-read their snapshot (a doorbell, not
    a store: conferencing/consumers_conferences.py)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            events.guests_group(conference_id), {"type": "conference.changed"}
        )


def audit(
    action: str,
    *,
    actor: Actor | None,
    conference: Conference,
    context: RequestContext | None,
    participant: Participant | None = None,
    **details: Any,
) -> None:
    """The audit record of a moderation action (in the caller's transaction): who did it,
    from where, to which conference and, for an action on someone, to which participant."""
    if participant is not None:
        details.update(
            participant_id=str(participant.pk),
            user_id=str(participant.user_id) if participant.user_id else None,
            guest=participant.user_id is None,
        )
    record(
        action, actor=actor if isinstance(actor, User) else None, context=context,
        target=conference,
        target_repr=participant.display_name if participant is not None else conference.title,
        details=details or None,
    )  # fmt: skip


def _invitees(
    actor: User, user_ids: Iterable[Any], department_ids: Iterable[Any]
) -> tuple[dict[Any, Any], list[Any]]:
    """The invited users (id → the department they came from, or None) and departments."""
    invited: dict[Any, Any] = {}
    for user_id in user_ids:
        invited[access_user(actor, user_id).pk] = None
    departments = [access_department(actor, pk) for pk in department_ids]
    for department in departments:
        members = User.objects.filter(
            department_id__in=department.descendant_ids(), is_active=True
        ).values_list("pk", flat=True)[: settings.CONFERENCE_MAX_INVITEES + 1]
        for pk in members:
            invited.setdefault(pk, department.pk)
        if len(invited) > settings.CONFERENCE_MAX_INVITEES:
            break
    invited.pop(actor.pk, None)
    if len(invited) > settings.CONFERENCE_MAX_INVITEES:
        raise InvalidConference(
            _("At most %(count)d people can be invited.")
            % {"count": settings.CONFERENCE_MAX_INVITEES},
            invitee_ids=[_("Too many invitees.")],
        )
    return invited, departments


def _check_times(starts_at: dt.datetime, duration_minutes: int) -> None:
    now = clock.now()
    if not 0 < duration_minutes <= MAX_DURATION_MINUTES:
        raise InvalidConference(
            duration_minutes=[_("From 1 to %(max)d minutes.") % {"max": MAX_DURATION_MINUTES}]
        )
    if starts_at < now - START_SLACK:
        raise InvalidConference(starts_at=[_("The start is in the past.")])
    if starts_at > now + MAX_AHEAD:
        raise InvalidConference(starts_at=[_("The start is more than a year away.")])


def conference_create(
    *,
    actor: User,
    title: str,
    starts_at: dt.datetime | None = None,
    duration_minutes: int = 60,
    conversation_id: Any = None,
    invitee_ids: Iterable[Any] = (),
    department_ids: Iterable[Any] = (),
    moderator_ids: Iterable[Any] = (),
) -> Conference:
    """Schedule a conference organised by ``actor``: in a conversation the actor is a
    member of and may post in (its members may join; "not found" for a non-member,
    ``not_allowed_to_schedule`` for a read-only member or a channel's plain member), or on
    its own for invitees —
    users, and the members of departments (and those below them) at this moment. Starts
    now when ``starts_at`` is None. Moderators are the organizer and ``moderator_ids``.
    Everyone who may see it gets ``conference.add``."""
    title = title.strip()
    if not 0 < len(title) <= MAX_TITLE:
        raise InvalidConference(title=[_("From 1 to %(max)d characters.") % {"max": MAX_TITLE}])
    now = clock.now()
    starts_at = starts_at or now
    _check_times(starts_at, duration_minutes)
    with transaction.atomic():
        conversation = None
        if conversation_id is not None:
            conversation, _membership = access_conversation(actor, conversation_id)
            # A meeting notifies every member: only those who may post may call one.
            require_perm(actor, conversation, POST_MESSAGE, NotAllowedToSchedule)
        invited, departments = _invitees(actor, invitee_ids, department_ids)
        moderators = [access_user(actor, pk) for pk in moderator_ids]
        conference = Conference.objects.create(
            title=title, conversation=conversation, organizer=actor, starts_at=starts_at,
            duration_minutes=duration_minutes, created_at=now,
        )  # fmt: skip
        conference.departments.set(departments)
        conference.moderators.set(moderators)
        ConferenceInvitee.objects.bulk_create(
            ConferenceInvitee(conference=conference, user_id=pk, department_id=department)
            for pk, department in invited.items()
        )
        recipients = {actor.pk, *invited, *(m.pk for m in moderators)}
        if conversation is not None:
            recipients.update(
                Membership.objects.filter(
                    conversation=conversation, left_at__isnull=True
                ).values_list("user_id", flat=True)
            )
        record("conference.create", actor=actor, target=conference, target_repr=title)
        send(events.conference_added_event(conference, recipients=recipients))
    return conference


def conference_lock(
    *, actor: Actor, conference_id: Any, locked: bool, context: RequestContext | None = None
) -> Conference:
    """A moderator locks the room (nobody new joins, guests' links stop admitting) or
    unlocks it; those in it and in its lobby get ``conference.update``."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        if conference.locked != locked:
            conference.locked = locked
            conference.save(update_fields=["locked"])
            audit("conference.lock" if locked else "conference.unlock", actor=actor,
                  conference=conference, context=context)  # fmt: skip
            send(events.conference_updated_event(conference))
    return conference


def conference_moderator_add(
    *, actor: Actor, conference_id: Any, user_id: Any, context: RequestContext | None = None
) -> Conference:
    """A moderator names another moderator (any user who may see the conference)."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        assert isinstance(actor, User)
        user = access_user(actor, user_id)
        if not Conference.objects.filter(entitled_to(user), pk=conference.pk).exists():
            # Nobody gains sight of a meeting by being named its moderator.
            raise InvalidConference(user_id=[_("This user is not invited to the conference.")])
        conference.moderators.add(user)
        audit("conference.moderator_add", actor=actor, conference=conference, context=context,
              user_id=str(user.pk))  # fmt: skip
        send(events.conference_updated_event(conference))
    return conference


def conference_end(
    *, actor: Actor, conference_id: Any, context: RequestContext | None = None
) -> Conference:
    """A moderator ends the meeting for everyone: all leave, the Janus room is destroyed,
    guest links and passes stop working; ``conference.update`` tells everyone in it."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        _end(conference, actor=actor, context=context)
    return conference


# A meeting nobody is in ends this long after its scheduled end (it may overrun while
# people are in it); the sweep, celery beat ``end-overdue-conferences``.
OVERDUE_MARGIN = dt.timedelta(hours=1)


def conferences_end_overdue(*, limit: int = 500) -> int:
    """End the open conferences nobody is joined to whose scheduled end is more than
    OVERDUE_MARGIN ago (so their rooms, links and passes do not stay open for ever);
    at most ``limit`` a run. Returns how many ended."""
    now = clock.now()
    # A meeting ends after it starts: one starting later than this cannot be overdue.
    candidates = (
        Conference.objects.filter(ended_at__isnull=True, starts_at__lte=now - OVERDUE_MARGIN)
        .exclude(participants__state=Participant.State.JOINED)
        .order_by("starts_at")
    )
    ended = 0
    for pk in candidates.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            conference = Conference.objects.select_for_update(of=("self",)).get(pk=pk)
            overdue = events.ends_at(conference) + OVERDUE_MARGIN <= now
            someone_in = conference.participants.filter(state=Participant.State.JOINED).exists()
            if conference.ended_at is None and overdue and not someone_in:
                _end(conference, actor=None, context=None, overdue=True)
                ended += 1
    return ended


def _end(
    conference: Conference,
    *,
    actor: Actor | None,
    context: RequestContext | None,
    overdue: bool = False,
) -> None:
    """End the (locked, open) conference now: everyone leaves, the room goes after commit."""
    recipients_before = events.conference_updated_event(conference)[1]
    # After commit: a rollback must not leave an open conference without its room.
    transaction.on_commit(lambda: media_close(conference), robust=True)
    now = clock.now()
    conference.ended_at = now
    conference.save(update_fields=["ended_at"])
    Participant.objects.filter(
        conference=conference, state__in=[Participant.State.JOINED, Participant.State.LOBBY]
    ).update(state=Participant.State.LEFT, left_at=now)
    if overdue:
        audit("conference.end", actor=None, conference=conference, context=None, overdue=True)
    else:
        audit("conference.end", actor=actor, conference=conference, context=context)
    payload, _users = events.conference_updated_event(conference)
    send((payload, recipients_before))


def require_open(conference: Conference) -> None:
    if conference.ended_at is not None:
        raise ConferenceEnded()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)
