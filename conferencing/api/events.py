"""The call events (conferencing/events.py) and signalling frames as the schema
documents them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from conferencing.api.serializers import CallOutput
from portal.api.events_schema import const


class CallEvent(serializers.Serializer):
    """``call.incoming`` (to the callee's devices: ring) / ``call.update`` (the new state,
    to both parties' devices)."""

    type = const("call")
    op = const("incoming", "update")
    call = CallOutput()


class CallAnsweredElsewhereEvent(serializers.Serializer):
    """``call.answered_elsewhere``: to each other device of the callee: stop ringing."""

    type = const("call")
    op = const("answered_elsewhere")
    call_id = serializers.UUIDField()
    device_id = serializers.UUIDField(allow_null=True, help_text=_("The device that answered."))


class SessionDescription(serializers.Serializer):
    """RTCSessionDescriptionInit."""

    type = const("offer", "answer")
    sdp = serializers.CharField(help_text=_("At most 64 KB (UTF-8)."))


class IceCandidate(serializers.Serializer):
    """RTCIceCandidateInit."""

    candidate = serializers.CharField(allow_blank=True, max_length=2048)
    sdpMid = serializers.CharField(allow_null=True, required=False, max_length=64)
    sdpMLineIndex = serializers.IntegerField(
        allow_null=True, required=False, min_value=0, max_value=65535
    )
    usernameFragment = serializers.CharField(allow_null=True, required=False, max_length=256)


class CallSignalClientFrame(serializers.Serializer):
    """``call.signal`` from a client: exactly one of ``sdp`` or ``candidate`` (null: the
    end of candidates), for an answered call, from its device."""

    type = const("call.signal")
    call_id = serializers.UUIDField()
    sdp = SessionDescription(required=False)
    candidate = IceCandidate(required=False, allow_null=True)


class CallSignalFrame(CallSignalClientFrame):
    """``call.signal`` relayed to the other party's device (never stored)."""

    from_user_id = serializers.UUIDField()


EVENTS = {
    "call.incoming": CallEvent,
    "call.update": CallEvent,
    "call.answered_elsewhere": CallAnsweredElsewhereEvent,
}
SERVER_FRAMES = {"call.signal": CallSignalFrame}
