"""The conference events (conferencing/events_conferences.py) as the schema documents them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from conferencing.api.events import IceCandidate, SessionDescription
from conferencing.api.serializers_conferences import ConferenceOutput, ParticipantOutput
from portal.api.events_schema import const


class ConferenceEvent(serializers.Serializer):
    """``conference.add`` (scheduled), ``conference.update`` (locked, moderators, moved to
    the media server, ended)."""

    type = const("conference")
    op = const("add", "update")
    conference = ConferenceOutput()


class ConferenceReminderEvent(serializers.Serializer):
    """``conference_reminder.add``: the conference starts soon."""

    type = const("conference_reminder")
    op = const("add")
    conference = ConferenceOutput()


class ConferenceParticipantEvent(serializers.Serializer):
    """``conference_participant.update``: one participant joined, left, was admitted, removed or
    muted, or changed their microphone, camera, screen share or raised hand."""

    type = const("conference_participant")
    op = const("update")
    conference_id = serializers.UUIDField()
    participant = ParticipantOutput()


class ConferenceSignalClientFrame(serializers.Serializer):
    """``conference.signal`` from a joined participant of a mesh conference (on the event
    socket, or a guest's on the guest socket): exactly one of ``sdp`` or ``candidate``
    (null: the end of candidates), to one other joined participant."""

    type = const("conference.signal")
    conference_id = serializers.UUIDField()
    to = serializers.UUIDField(help_text=_("The participant id of the peer."))
    sdp = SessionDescription(required=False)
    candidate = IceCandidate(required=False, allow_null=True)


class ConferenceSignalFrame(ConferenceSignalClientFrame):
    """``conference.signal`` relayed to the target participant's own sockets (never
    stored)."""

    to = None  # type: ignore[assignment]
    from_ = serializers.UUIDField(help_text=_("The participant id of the sender."))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


EVENTS = {
    "conference.add": ConferenceEvent,
    "conference.update": ConferenceEvent,
    "conference_reminder.add": ConferenceReminderEvent,
    "conference_participant.update": ConferenceParticipantEvent,
}
SERVER_FRAMES = {"conference.signal": ConferenceSignalFrame}
