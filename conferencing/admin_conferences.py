"""Conferences in Django admin: read-only.

Every change goes through the conference services (moderators, events, Janus); admin is
where IT staff look up who organised a meeting, who took part and whether it ran on Janus.
Guest passes and Janus secrets are never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from conferencing.models import Conference, Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    can_delete = False
    fields = ("display_name", "user", "state", "joined_at", "left_at", "audio", "video", "screen")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    list_display = ("title", "organizer", "starts_at", "duration_minutes", "topology", "ended_at")
    list_filter = ("topology", "locked")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    fields = ("title", "organizer", "conversation", "starts_at", "duration_minutes",
              "started_at", "ended_at", "locked", "topology", "reminded_at")  # fmt: skip
    readonly_fields = fields
    inlines = [ParticipantInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
