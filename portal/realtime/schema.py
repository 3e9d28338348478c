"""The frames of the event socket (docs/realtime.md) as the schema documents them, and the
list of every event the server publishes, from each app's ``api/events.py``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from portal.api.events_schema import const
from portal.api.serializers import ErrorBody


class TestPingEvent(serializers.Serializer):
    """``test.ping``: for checking delivery; clients ignore it."""

    type = const("test")
    op = const("ping")
    text = serializers.CharField(allow_blank=True)


def events() -> dict[str, Any]:
    """Every event by ``type.op``."""
    from messaging.api.events import EVENTS as MESSAGING
    from portal.devices.api.events import EVENTS as DEVICES

    return {**MESSAGING, **DEVICES, "test.ping": TestPingEvent}


def _any_event() -> Any:
    unique = list(dict.fromkeys(events().values()))
    return PolymorphicProxySerializer(
        component_name="WebsocketEvent", serializers=unique, resource_type_field_name=None
    )


class ReadyFrame(serializers.Serializer):
    """Sent once signed in: ``last_event_id`` is the head of the caller's stream."""

    type = const("ready")
    last_event_id = serializers.IntegerField()
    user_id = serializers.UUIDField()


class EventFrame(serializers.Serializer):
    """One event of the caller's stream; store ``id`` to resume from."""

    type = const("event")
    id = serializers.IntegerField()
    event = serializers.DictField()  # replaced by the WebsocketEvent union in the schema


class ErrorFrame(serializers.Serializer):
    """An error; before a close it says why (docs/realtime.md, close codes)."""

    type = const("error")
    error = ErrorBody()


class ResyncRequiredFrame(serializers.Serializer):
    """The resume point is older than retention: reload state over REST."""

    type = const("resync_required")


class PongFrame(serializers.Serializer):
    type = const("pong")


class TypingFrame(serializers.Serializer):
    """A member is typing in a conversation (not stored; expires by itself)."""

    type = const("typing")
    conversation_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    expires_in = serializers.IntegerField(help_text="Seconds")


class PresenceFrame(serializers.Serializer):
    """A contact's presence changed (not stored)."""

    type = const("presence")
    user_id = serializers.UUIDField()
    state = const("online", "away", "offline")


class AuthClientFrame(serializers.Serializer):
    type = const("auth")
    token = serializers.CharField()
    last_event_id = serializers.IntegerField(required=False)


class ResumeClientFrame(serializers.Serializer):
    type = const("resume")
    last_event_id = serializers.IntegerField()


class PingClientFrame(serializers.Serializer):
    type = const("ping")


class TypingClientFrame(serializers.Serializer):
    type = const("typing")
    conversation_id = serializers.UUIDField()


class PresenceClientFrame(serializers.Serializer):
    type = const("presence")
    state = const("online", "away")


SERVER_FRAMES = {
    "ready": ReadyFrame,
    "event": EventFrame,
    "error": ErrorFrame,
    "resync_required": ResyncRequiredFrame,
    "pong": PongFrame,
    "typing": TypingFrame,
    "presence": PresenceFrame,
}
CLIENT_FRAMES = {
    "auth": AuthClientFrame,
    "resume": ResumeClientFrame,
    "ping": PingClientFrame,
    "typing": TypingClientFrame,
    "presence": PresenceClientFrame,
}
