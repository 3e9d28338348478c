"""The per-user event log: PostgreSQL is the store; the channel layer only wakes sockets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


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


class SharedPayload(models.Model):
    """The payload of one large event published to many users, stored once: their
    ``Event`` rows point here instead of each holding a copy (a call adding 1,000 members
    would otherwise write its 40 KB list of them 1,000 times). Deleted by
    ``event_log_prune`` once no event points at it."""

    id = models.BigAutoField(primary_key=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"shared payload {self.id}"


class Event(models.Model):
    """One event for one user. ``id`` increases along each user's stream. The payload is
    either ``payload`` or, for a large event published to many users, ``shared``'s
    (exactly one of them is set); ``body()`` reads whichever it is."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64)
    payload = models.JSONField(null=True)
    shared = models.ForeignKey(
        SharedPayload, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    # Set for an event meant for one device only (a remote command): the sockets of the
    # user's other devices skip it.
    device_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"]),
            models.Index(
                fields=["shared"], name="event_shared_idx", condition=Q(shared__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="event_one_payload",
                condition=Q(payload__isnull=False, shared__isnull=True)
                | Q(payload__isnull=True, shared__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.type} for {self.user_id}"

    def body(self) -> Any:
        """The event's payload, wherever it is stored."""
        return self.payload if self.shared is None else self.shared.payload


class Topic(models.Model):
    """The head of one shared stream: the events of a large conversation that every member
    would otherwise get a copy of (docs/realtime.md, "Topics"). ``key`` is the domain's
    name for it (``conversation:<id>``); the gateway knows nothing more about it.

    Publishing locks this row until commit, as a user's stream row is locked, so a topic's
    events commit in the order of their ids.
    """

    key = models.CharField(max_length=100, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"topic {self.key} at {self.last_event_id}"


class TopicEvent(models.Model):
    """One event of a topic, stored once for all of its followers. ``id`` increases along
    each topic (ids come from one sequence for all topics, so there are gaps)."""

    id = models.BigAutoField(primary_key=True)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+", db_index=False)
    type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["topic", "id"])]

    def __str__(self) -> str:
        return f"{self.id} {self.type} in {self.topic_id}"


class TopicFollow(models.Model):
    """A user follows a topic from ``since`` (the topic's head when they started): their
    sockets get its events with greater ids, and never earlier ones. ``until`` is the head
    when they stopped (null while they follow): a client that was away then still gets the
    events up to it — the one saying they were removed — and nothing later."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    since = models.BigIntegerField()
    until = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topic_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.topic_id} from {self.since}"
