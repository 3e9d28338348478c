"""The per-user event log: PostgreSQL is the store; the channel layer only wakes sockets."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EventStream(models.Model):
    """The head of one user's event stream.

    Publishing locks this row until commit, so one user's events commit in the order of
    their ids and a reader that has seen id N never later finds a smaller id appearing.
    ``pruned_through`` is the highest id removed by retention: resuming from below it needs
    a full resync.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_event_id = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"stream of {self.user_id} at {self.last_event_id}"


class Event(models.Model):
    """One event for one user. ``id`` increases along each user's stream."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "id"])]

    def __str__(self) -> str:
        return f"{self.id} {self.type} for {self.user_id}"
