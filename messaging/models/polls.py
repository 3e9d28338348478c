"""Polls posted as messages, and their votes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from messaging.models.messages import Message


class Poll(models.Model):
    """A poll posted as a message: 2–10 options, single or multiple choice, anonymous or
    not; closed by its author or an administrator, after which votes are refused."""

    id = models.BigAutoField(primary_key=True)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(max_length=300)
    options = models.JSONField()
    multiple = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.question


class PollVote(models.Model):
    id = models.BigAutoField(primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    option = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user", "option"], name="poll_vote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.option}"
