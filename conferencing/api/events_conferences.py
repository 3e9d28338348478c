"""The conference events (conferencing/events_conferences.py) as the schema documents them."""

from __future__ import annotations

from rest_framework import serializers

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


EVENTS = {
    "conference.add": ConferenceEvent,
    "conference.update": ConferenceEvent,
    "conference_reminder.add": ConferenceReminderEvent,
    "conference_participant.update": ConferenceParticipantEvent,
}
