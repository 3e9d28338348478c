"""Group conferences: the meeting, who is invited, who takes part, and guest links."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Conference(models.Model):
    """A video meeting, in a conversation (its members may join) or scheduled on its own
    (its invitees may join). The organizer and the ``moderators`` moderate it.

    ``topology`` is ``mesh`` (peers connect to each other) until more than
    ``CONFERENCE_MESH_MAX`` take part; then it is ``sfu`` for the rest of the meeting and
    ``janus_room`` / ``janus_secret`` name the Janus VideoRoom room Portal created (the
    secret never leaves Portal). ``ended_at`` set: over for everyone, nobody joins again.
    """

    class Topology(models.TextChoices):
        MESH = "mesh", _("peer to peer")
        SFU = "sfu", _("media server")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=200)
    conversation = models.ForeignKey(
        "messaging.Conversation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conferences",
        verbose_name=_("conversation"),
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organized_conferences",
        verbose_name=_("organizer"),
    )
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="moderated_conferences",
        verbose_name=_("moderators"),
    )
    departments = models.ManyToManyField(
        "accounts.Department",
        blank=True,
        related_name="conferences",
        verbose_name=_("invited departments"),
    )
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveIntegerField(_("duration, minutes"))
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    locked = models.BooleanField(_("locked"), default=False)
    topology = models.CharField(
        _("media topology"), max_length=4, choices=Topology.choices, default=Topology.MESH
    )
    janus_room = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    janus_secret = models.CharField(max_length=64, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["reminded_at", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class ConferenceInvitee(models.Model):
    """A user invited to a conference: named, or a member of an invited department when it
    was scheduled (``department`` says which)."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="invitees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conference_invitations"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        constraints = [
            models.UniqueConstraint(fields=["conference", "user"], name="conference_invitee_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.conference_id}"


class ConferenceGuestLink(models.Model):
    """A time-limited link by which people from outside the agency join one conference as
    guests. Only the SHA-256 of its secret is kept; it works until ``expires_at`` unless
    revoked, and never after the conference ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="guest_links")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest link")
        verbose_name_plural = _("guest links")

    def __str__(self) -> str:
        return f"guest link {self.id}"


class Participant(models.Model):
    """Someone in (or waiting for) a conference: a user, or a guest (``user`` is null,
    ``display_name`` is what they typed, and ``guest_token_hash`` is the SHA-256 of their
    credential, valid for this conference only).

    ``state``: ``lobby`` (waiting to be admitted), ``joined``, ``left`` (may join again),
    ``removed`` (by a moderator: may not join again). ``janus_token`` is the participant's
    own join token for the Janus room and ``feed_id`` the id they join it with; both are
    handed only to this participant. ``session`` is the device of a user's mesh signals
    (conferencing/signalling_conferences.py).
    """

    class State(models.TextChoices):
        LOBBY = "lobby", _("in the lobby")
        JOINED = "joined", _("joined")
        LEFT = "left", _("left")
        REMOVED = "removed", _("removed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conference_participations",
    )
    display_name = models.CharField(_("name"), max_length=100)
    guest_link = models.ForeignKey(
        ConferenceGuestLink, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # NULL, not "", for users: several lack a token under a unique index.
    guest_token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    guest_expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=7, choices=State.choices)
    audio = models.BooleanField(_("microphone on"), default=False)
    video = models.BooleanField(_("camera on"), default=False)
    screen = models.BooleanField(_("sharing the screen"), default=False)
    hand_raised_at = models.DateTimeField(_("hand raised"), null=True, blank=True)
    created_at = models.DateTimeField(_("arrived"))
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    # A joined user whose event sockets all closed (the gateway's hooks): after
    # CONFERENCE_DISCONNECT_GRACE they leave (services/conferences_presence.py).
    lost_at = models.DateTimeField(_("connection lost"), null=True, blank=True)
    janus_token = models.CharField(max_length=64, editable=False)
    feed_id = models.BigIntegerField(editable=False)
    # The sign-in session (device) a user last joined from: the mesh's signals to them go
    # to its sockets only. Null for guests (their own socket carries their signals).
    session = models.ForeignKey(
        "accounts.AuthSession", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )  # fmt: skip

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "user"],
                condition=models.Q(user__isnull=False),
                name="conference_participant_user_once",
            ),
            models.UniqueConstraint(
                fields=["conference", "feed_id"], name="conference_participant_feed_once"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_guest(self) -> bool:
        return self.user_id is None
