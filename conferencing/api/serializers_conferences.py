"""Inputs and outputs of the conference endpoints (rendering: events_conferences.py)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from conferencing.models import Conference, Participant
from conferencing.services.conferences import MAX_DURATION_MINUTES, MAX_TITLE
from conferencing.services.conferences_guests import MAX_LINK_MINUTES, MAX_NAME
from portal.api.serializers import StrictInput


class ConferenceInput(StrictInput):
    title = serializers.CharField(max_length=MAX_TITLE)
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("Omitted or null: now.")
    )
    duration_minutes = serializers.IntegerField(
        required=False, default=60, min_value=-(2**31), max_value=2**31,
        help_text=_("From 1 to %(max)d.") % {"max": MAX_DURATION_MINUTES},
    )  # fmt: skip
    conversation_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    invitee_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list,
        max_length=settings.CONFERENCE_MAX_INVITEES,
    )  # fmt: skip
    department_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=50
    )
    moderator_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=50
    )


class ConferenceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    conversation_id = serializers.UUIDField(allow_null=True)
    organizer_id = serializers.UUIDField(allow_null=True, help_text=_("Null for guests."))
    moderator_ids = serializers.ListField(child=serializers.UUIDField())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    locked = serializers.BooleanField()
    topology = serializers.ChoiceField(choices=Conference.Topology.choices)
    invitation_url = serializers.CharField(
        allow_null=True, help_text=_("The .ics invitation (text/calendar); null for guests.")
    )


class ParticipantOutput(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField(allow_null=True, help_text=_("Null for a guest."))
    display_name = serializers.CharField()
    guest = serializers.BooleanField()
    state = serializers.ChoiceField(choices=Participant.State.choices)
    audio = serializers.BooleanField()
    video = serializers.BooleanField()
    screen = serializers.BooleanField()
    hand_raised_at = serializers.DateTimeField(allow_null=True)
    joined_at = serializers.DateTimeField(allow_null=True)


class JanusOutput(serializers.Serializer):
    url = serializers.CharField(help_text=_("The Janus HTTP API to use."))
    room = serializers.IntegerField()
    token = serializers.CharField(help_text=_("This participant's own join token."))
    feed_id = serializers.IntegerField(help_text=_("The id to join the room with."))


class MediaOutput(serializers.Serializer):
    topology = serializers.ChoiceField(choices=Conference.Topology.choices)
    peers = serializers.ListField(
        child=serializers.UUIDField(), help_text=_("Mesh: the other joined participants.")
    )
    janus = JanusOutput(allow_null=True)


class SelfOutput(serializers.Serializer):
    participant = ParticipantOutput(allow_null=True)
    media = MediaOutput(allow_null=True, help_text=_("Null unless joined."))


class MediaStateInput(StrictInput):
    audio = serializers.BooleanField(required=False)
    video = serializers.BooleanField(required=False)
    screen = serializers.BooleanField(required=False)
    hand_raised = serializers.BooleanField(required=False)


class MuteInput(StrictInput):
    participant_id = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text=_("Omitted: everyone else.")
    )


class LockInput(StrictInput):
    locked = serializers.BooleanField()


class ModeratorInput(StrictInput):
    user_id = serializers.UUIDField()


class GuestLinkInput(StrictInput):
    expires_in_minutes = serializers.IntegerField(
        min_value=-(2**31), max_value=2**31,
        help_text=_("From 1 to %(max)d.") % {"max": MAX_LINK_MINUTES},
    )  # fmt: skip


class GuestLinkOutput(serializers.Serializer):
    id = serializers.UUIDField()
    link = serializers.CharField(help_text=_("The link's secret: shown only now."))
    url = serializers.CharField(help_text=_("The page a guest opens."))
    expires_at = serializers.DateTimeField()


class GuestJoinInput(StrictInput):
    link = serializers.CharField(max_length=200)
    display_name = serializers.CharField(max_length=MAX_NAME * 2)


class GuestJoinOutput(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("The guest pass (Bearer gst_…): this conference's endpoints only.")
    )
    expires_at = serializers.DateTimeField()
    conference = ConferenceOutput()
    participant = ParticipantOutput()
