"""The frames of the event socket (docs/realtime.md) as the schema documents them, and the
list of every event the server publishes: the gateway's own here, the apps' as they
registered them (portal.realtime.gateway, from each app's ``api/events.py``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from portal.api.events_schema import const
from portal.api.serializers import ErrorBody
from portal.realtime import gateway


class TestPingEvent(serializers.Serializer):
    """``test.ping``: for checking delivery; clients ignore it."""

    type = const("test")
    op = const("ping")
    text = serializers.CharField(allow_blank=True)


class StreamFollowEvent(serializers.Serializer):
    """``stream.follow``: your sockets now send the events of ``topic`` with ids greater
    than ``after``; keep ``after`` as that topic's cursor."""

    type = const("stream")
    op = const("follow")
    topic = serializers.CharField()
    after = serializers.IntegerField()


class StreamUnfollowEvent(serializers.Serializer):
    """``stream.unfollow``: the events of ``topic`` up to ``until`` are still yours (your
    sockets send them first), nothing after; then drop its cursor."""

    type = const("stream")
    op = const("unfollow")
    topic = serializers.CharField()
    until = serializers.IntegerField()


def events() -> dict[str, Any]:
    """Every event by ``type.op``."""
    return {
        **gateway.registered_events(),
        "stream.follow": StreamFollowEvent,
        "stream.unfollow": StreamUnfollowEvent,
        "test.ping": TestPingEvent,
    }


def _any_event() -> Any:
    unique = list(dict.fromkeys(events().values()))
    return PolymorphicProxySerializer(
        component_name="WebsocketEvent", serializers=unique, resource_type_field_name=None
    )


TOPIC_CURSORS = serializers.DictField(
    child=serializers.IntegerField(),
    required=False,
    help_text="Topic key → the id of the last event of that topic you processed.",
)


class ReadyFrame(serializers.Serializer):
    """Sent once signed in: ``last_event_id`` is the head of the caller's stream, ``topics``
    the head of every topic the caller follows."""

    type = const("ready")
    last_event_id = serializers.IntegerField()
    user_id = serializers.UUIDField()
    topics = serializers.DictField(child=serializers.IntegerField())


class EventFrame(serializers.Serializer):
    """One event of the caller's stream, or (with ``topic``) of a topic they follow; store
    ``id`` as that stream's cursor to resume from."""

    type = const("event")
    topic = serializers.CharField(required=False)
    id = serializers.IntegerField()
    event = serializers.DictField()  # replaced by the WebsocketEvent union in the schema


class ErrorFrame(serializers.Serializer):
    """An error; before a close it says why (docs/realtime.md, close codes). The answer
    to an acknowledged frame carries its ``ref`` and the HTTP ``status`` REST would
    have answered."""

    type = const("error")
    ref = serializers.CharField(required=False)
    status = serializers.IntegerField(required=False)
    error = ErrorBody()


class AckFrame(serializers.Serializer):
    """The answer to an acknowledged frame (``message.send``): its ``ref``, the HTTP status
    and the body REST would have answered."""

    type = const("ack")
    ref = serializers.CharField()
    status = serializers.IntegerField()
    result = serializers.DictField()


class ResyncRequiredFrame(serializers.Serializer):
    """The resume point is older than retention: reload state over REST (with ``topic``:
    only that topic's conversation)."""

    type = const("resync_required")
    topic = serializers.CharField(required=False)


class PongFrame(serializers.Serializer):
    type = const("pong")


class AuthClientFrame(serializers.Serializer):
    type = const("auth")
    token = serializers.CharField()
    last_event_id = serializers.IntegerField(required=False)
    topics = TOPIC_CURSORS


class ResumeClientFrame(serializers.Serializer):
    type = const("resume")
    last_event_id = serializers.IntegerField()
    topics = TOPIC_CURSORS


class PingClientFrame(serializers.Serializer):
    type = const("ping")


def server_frames() -> dict[str, Any]:
    return {
        "ready": ReadyFrame,
        "event": EventFrame,
        "ack": AckFrame,
        "error": ErrorFrame,
        "resync_required": ResyncRequiredFrame,
        "pong": PongFrame,
        **gateway.registered_server_frames(),
    }


def client_frames() -> dict[str, Any]:
    apps = {name: f.schema for name, f in gateway.frame_types().items() if f.schema is not None}
    return {
        "auth": AuthClientFrame,
        "resume": ResumeClientFrame,
        "ping": PingClientFrame,
        **apps,
    }
