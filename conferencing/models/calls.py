"""One-to-one calls: who called whom, on which devices, and how it went."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Call(models.Model):
    """A one-to-one call (audio or video) and its state.

    ``ringing`` → ``accepted`` → ``ended``, or ``declined`` / ``cancelled`` / ``missed`` (no
    answer within ``CALL_RING_TIMEOUT``) / ``busy`` (the callee was in another call) /
    ``failed`` (a party lost every socket for ``CALL_DISCONNECT_GRACE``). ``ringing`` and
    ``accepted`` are active: a user takes part in at most one active call, which the
    services guarantee by locking both users' rows before they look.

    The caller's device is the sign-in session that started the call; the callee's is the
    session that accepted it (the first to accept wins). Signalling after the accept goes
    only between those two sessions. Portal never carries media.
    """

    class Kind(models.TextChoices):
        AUDIO = "audio", _("audio")
        VIDEO = "video", _("video")

    class State(models.TextChoices):
        RINGING = "ringing", _("ringing")
        ACCEPTED = "accepted", _("accepted")
        ENDED = "ended", _("ended")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", pgettext_lazy("call state", "cancelled")
        MISSED = "missed", _("missed")
        BUSY = "busy", _("busy")
        FAILED = "failed", _("failed")

    ACTIVE_STATES = (State.RINGING, State.ACCEPTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calls_made",
        verbose_name=_("caller"),
    )  # fmt: skip
    callee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calls_received",
        verbose_name=_("callee"),
    )  # fmt: skip
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="calls", verbose_name=_("conversation"),
    )  # fmt: skip
    caller_session = models.ForeignKey(
        "accounts.AuthSession", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("caller's session"),
    )  # fmt: skip
    accepted_session = models.ForeignKey(
        "accounts.AuthSession", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("accepting session"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("ended by"),
    )  # fmt: skip
    # Since when the caller's (callee's accepting) session has had no socket, or null: the
    # call ends once one is CALL_DISCONNECT_GRACE old.
    caller_lost_at = models.DateTimeField(_("caller disconnected"), null=True, blank=True)
    callee_lost_at = models.DateTimeField(_("callee disconnected"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["caller", "-created_at"], name="call_caller_history"),
            models.Index(fields=["callee", "-created_at"], name="call_callee_history"),
            models.Index(
                fields=["state"],
                name="call_active",
                condition=models.Q(state__in=["ringing", "accepted"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller} → {self.callee} ({self.state})"

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def duration_seconds(self) -> int | None:
        """How long the call was connected (answered to ended), in whole seconds."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.answered_at).total_seconds()))
