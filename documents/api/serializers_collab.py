"""Serializers of co-editing: strict inputs, and outputs that document what the views
render (docs/collab.md, docs/api.md "Co-editing")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from documents.api.serializers_files import UserRefOutput
from documents.export import FORMATS
from documents.models import Role
from documents.models.files import MAX_NAME_CHARS
from portal.api.serializers import StrictInput


class EditTicketOutput(serializers.Serializer):
    ticket = serializers.CharField(help_text=_("Single use, for one socket"))
    expires_at = serializers.DateTimeField(help_text=_("60 seconds after it was issued"))
    url = serializers.CharField(help_text=_("The editing socket's path with the ticket"))
    role = serializers.ChoiceField(
        choices=Role.choices, help_text=_("Viewers and commenters may not change the text")
    )


class SnapshotOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    size = serializers.IntegerField(help_text=_("Bytes of Yjs state"))
    author = UserRefOutput(allow_null=True)
    created_at = serializers.DateTimeField()


class SnapshotListOutput(serializers.Serializer):
    results = SnapshotOutput(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class HistoryEntryOutput(serializers.Serializer):
    author = UserRefOutput(allow_null=True)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    updates = serializers.IntegerField(help_text=_("Changes stored in this span"))


class HistoryOutput(serializers.Serializer):
    results = HistoryEntryOutput(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class SnapshotInput(StrictInput):
    name = serializers.CharField(max_length=MAX_NAME_CHARS, trim_whitespace=True)


class ExportInput(StrictInput):
    format = serializers.ChoiceField(choices=sorted(FORMATS))
