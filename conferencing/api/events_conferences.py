"""The conference events (conferencing/events_conferences.py) as the schema documents them."""

from __future__ import annotations

from rest_framework import serializers

from conferencing.api.serializers_conferences import ConferenceOutput, ParticipantOutput
from portal.api.events_schema import const


class ConferenceEvent(serializers.Serializer):
    """``conference.add`` (scheduled), ``conference.update`` (locked, moderators, moved to
    the media server, ended), ``conference.reminder`` (starts soon)."""

    type = const("conference")
    op = const("add", "update", "reminder")
    conference = ConferenceOutput()


class ConferenceParticipantEvent(serializers.Serializer):
    """``conference.participant``: one participant joined, left, was admitted, removed or
    muted, or changed their microphone, camera, screen share or raised hand."""

    type = const("conference")
    op = const("participant")
    conference_id = serializers.UUIDField()
    participant = ParticipantOutput()


EVENTS = {
    "conference.add": ConferenceEvent,
    "conference.update": ConferenceEvent,
    "conference.reminder": ConferenceEvent,
    "conference.participant": ConferenceParticipantEvent,
}
