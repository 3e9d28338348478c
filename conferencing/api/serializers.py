"""What the calls API takes and answers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from conferencing.events import call_payload
from conferencing.models import Call
from portal.api.serializers import StrictInput, UUIDInput


class CallStartInput(StrictInput):
    """Whom to call: a user, or the other member of a direct conversation (one of them)."""

    kind = serializers.ChoiceField(choices=Call.Kind.choices)
    callee_id = UUIDInput(required=False, help_text=_("The user to call."))
    conversation_id = UUIDInput(
        required=False, help_text=_("A direct conversation: call its other member.")
    )


@extend_schema_serializer(component_name="Call")
class CallOutput(serializers.Serializer):
    """A call as both parties see it (``call_payload``); in history also whether it was a
    missed call of the reader."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Call.Kind.choices)
    state = serializers.ChoiceField(choices=Call.State.choices)
    caller_id = serializers.UUIDField()
    callee_id = serializers.UUIDField()
    conversation_id = serializers.UUIDField(allow_null=True)
    accepted_device_id = serializers.UUIDField(
        allow_null=True, help_text=_("The callee's device that answered, once answered.")
    )
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.UUIDField(
        allow_null=True, help_text=_("Who ended it; null when the server did (timeout).")
    )
    duration_seconds = serializers.IntegerField(
        allow_null=True, help_text=_("Answered to ended, once it has ended after an answer.")
    )

    def to_representation(self, instance: Call) -> dict[str, Any]:
        return call_payload(instance)


@extend_schema_serializer(component_name="CallHistoryItem")
class CallHistoryOutput(CallOutput):
    direction = serializers.ChoiceField(
        choices=[("outgoing", "outgoing"), ("incoming", "incoming")],
        help_text=_("Whether the reader made or received the call."),
    )
    missed = serializers.BooleanField(
        help_text=_("A call the reader received and never answered (missed, cancelled, busy).")
    )

    def to_representation(self, instance: Call) -> dict[str, Any]:
        reader = self.context["user"]
        incoming = instance.callee_id == reader.pk
        return {
            **call_payload(instance),
            "direction": "incoming" if incoming else "outgoing",
            "missed": incoming and instance.state in MISSED_STATES,
        }


MISSED_STATES = (Call.State.MISSED, Call.State.CANCELLED, Call.State.BUSY)


class IceServerOutput(serializers.Serializer):
    urls = serializers.ListField(child=serializers.CharField())
    username = serializers.CharField(required=False)
    credential = serializers.CharField(required=False)


class IceServersOutput(serializers.Serializer):
    """``ice_servers`` and ``ice_transport_policy`` go as they are into
    ``new RTCPeerConnection({iceServers, iceTransportPolicy})``."""

    ice_servers = IceServerOutput(many=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the TURN credential expires: fetch anew before.")
    )
    ttl_seconds = serializers.IntegerField(allow_null=True)
    ice_transport_policy = serializers.ChoiceField(
        choices=[("all", "all"), ("relay", "relay")],
        help_text=_(
            "all: peer to peer when possible; relay: media only through the TURN server "
            "(CALL_ICE_TRANSPORT_POLICY)."
        ),
    )
