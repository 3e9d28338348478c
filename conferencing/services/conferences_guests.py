"""Guests from outside the agency: time-limited links, and the pass a guest gets.

A moderator creates a link (its secret is shown once; only its hash is kept). Whoever
opens it gives a display name and gets a guest pass, ``gst_…``: a credential for that one
conference only — its REST endpoints and the guest socket — that every other endpoint
refuses with 404 (conferencing/api/auth_conferences.py). The guest waits in the lobby until
a moderator admits them. A pass works until the meeting ends, the guest leaves or is
removed, or its expiry (the later of the link's expiry and the meeting's scheduled end).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from conferencing import events_conferences as events
from conferencing.exceptions_conferences import (
    ConferenceFull,
    ConferenceLocked,
    GuestLinkExpired,
    GuestLinkInvalid,
    GuestLinkNotFound,
    GuestTokenInvalid,
    InvalidConference,
)
from conferencing.models import Conference, ConferenceGuestLink, Participant
from conferencing.selectors_conferences import Actor, access_conference, require_moderator
from conferencing.services.conferences import audit, new_secret, require_open, send
from conferencing.services.conferences_participants import depart, new_participant
from portal import clock
from portal.accounts.models import User
from portal.audit.services import RequestContext
from portal.ids import as_uuid

LINK_PREFIX = "gl_"
GUEST_PREFIX = "gst_"
MAX_LINK_MINUTES = 7 * 24 * 60
MAX_NAME = 100


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def guest_link_create(
    *,
    actor: Actor,
    conference_id: Any,
    expires_in_minutes: int,
    context: RequestContext | None = None,
) -> tuple[ConferenceGuestLink, str]:
    """A moderator's new guest link, valid for ``expires_in_minutes`` (1 minute to 7
    days); answers the link and its secret (shown once)."""
    if not 0 < expires_in_minutes <= MAX_LINK_MINUTES:
        raise InvalidConference(
            expires_in_minutes=[_("From 1 to %(max)d minutes.") % {"max": MAX_LINK_MINUTES}]
        )
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        require_open(conference)
        assert isinstance(actor, User)  # guests moderate nothing
        secret = new_secret(LINK_PREFIX)
        now = clock.now()
        link = ConferenceGuestLink.objects.create(
            conference=conference, secret_hash=_hash(secret), created_by=actor,
            created_at=now, expires_at=now + dt.timedelta(minutes=expires_in_minutes),
        )  # fmt: skip
        audit("conference.guest_link_create", actor=actor, conference=conference,
              context=context, link_id=str(link.pk))  # fmt: skip
    return link, secret


def guest_link_revoke(
    *,
    actor: Actor,
    conference_id: Any,
    link_id: Any,
    context: RequestContext | None = None,
) -> ConferenceGuestLink:
    """A moderator revokes a guest link: nobody new joins by it (``guest_link_invalid``).
    Passes it already gave stay as they are (remove those guests to turn them away).
    Revoking a revoked link changes nothing; another conference's link is not found."""
    with transaction.atomic():
        conference = access_conference(actor, conference_id, for_update=True)
        require_moderator(conference, actor)
        pk = as_uuid(link_id)
        link = (
            ConferenceGuestLink.objects.filter(conference=conference, pk=pk).first() if pk else None
        )
        if link is None:
            raise GuestLinkNotFound()
        if link.revoked_at is None:
            link.revoked_at = clock.now()
            link.save(update_fields=["revoked_at"])
            audit("conference.guest_link_revoke", actor=actor, conference=conference,
                  context=context, link_id=str(link.pk))  # fmt: skip
    return link


def guest_join(*, link: str, display_name: str) -> tuple[Participant, str]:
    """Whoever holds a live link joins the lobby of its conference as a guest named
    ``display_name``; answers their participant row and their pass (shown once).
    Refused: an unknown or revoked link (``guest_link_invalid``), an expired one
    (``guest_link_expired``), a meeting that ended or is locked, a lobby holding
    CONFERENCE_MAX_PARTICIPANTS already (``conference_full``)."""
    display_name = " ".join(display_name.split())
    if not 0 < len(display_name) <= MAX_NAME:
        raise InvalidConference(
            display_name=[_("From 1 to %(max)d characters.") % {"max": MAX_NAME}]
        )
    if not link.startswith(LINK_PREFIX) or len(link) > 100:
        raise GuestLinkInvalid()
    with transaction.atomic():
        found = (
            ConferenceGuestLink.objects.select_related("conference")
            .filter(secret_hash=_hash(link), revoked_at__isnull=True)
            .first()
        )
        if found is None:
            raise GuestLinkInvalid()
        now = clock.now()
        if found.expires_at <= now:
            raise GuestLinkExpired()
        conference = Conference.objects.select_for_update().get(pk=found.conference_id)
        require_open(conference)
        if conference.locked:
            raise ConferenceLocked()
        waiting = Participant.objects.filter(conference=conference, state=Participant.State.LOBBY)
        if waiting.count() >= settings.CONFERENCE_MAX_PARTICIPANTS:
            # A leaked link and a script would fill the lobby, and every moderator's stream.
            raise ConferenceFull()
        secret = new_secret(GUEST_PREFIX)
        participant = new_participant(
            conference, display_name=display_name, guest_link=found,
            guest_token_hash=_hash(secret), state=Participant.State.LOBBY,
            guest_expires_at=max(found.expires_at, events.ends_at(conference)),
        )  # fmt: skip
        participant.save()
        send(events.participant_event(conference, participant, lobby=True))
    return participant, secret


def guest_authenticate(raw: str) -> Participant:
    """The guest whose pass this is, while it is valid: not expired, the guest neither
    left nor removed, the meeting not over. Raises GuestTokenInvalid otherwise."""
    if not raw.startswith(GUEST_PREFIX) or len(raw) > 100:
        raise GuestTokenInvalid()
    guest = (
        Participant.objects.select_related("conference").filter(guest_token_hash=_hash(raw)).first()
    )
    if guest is None or not pass_valid(guest):
        raise GuestTokenInvalid()
    return guest


def pass_valid(guest: Participant) -> bool:
    """The rule of a guest's pass (loaded with its conference): the guest is waiting or
    joined, the meeting is not over, and the pass has not expired."""
    return (
        guest.state in (Participant.State.LOBBY, Participant.State.JOINED)
        and guest.conference.ended_at is None
        and guest.guest_expires_at is not None
        and guest.guest_expires_at > clock.now()
    )


def guests_expire() -> int:
    """Guests whose pass expired while they were waiting or joined leave now (the sweep,
    celery beat ``expire-conference-guests``): their place in the mesh is freed, their
    Janus token withdrawn and their feed kicked, and the others see them go. A pass that
    expired cannot even call ``leave``. Returns how many left."""
    due = Participant.objects.filter(
        user__isnull=True,
        state__in=[Participant.State.LOBBY, Participant.State.JOINED],
        guest_expires_at__lte=clock.now(),
        conference__ended_at__isnull=True,
    )
    gone = 0
    for conference_id in set(due.values_list("conference_id", flat=True)):
        with transaction.atomic():
            conference = Conference.objects.select_for_update().get(pk=conference_id)
            for guest in due.filter(conference=conference).select_for_update():
                depart(conference, guest, state=Participant.State.LEFT)
                gone += 1
    return gone
