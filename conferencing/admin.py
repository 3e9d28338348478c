"""Django admin of the conferencing app: calls here, read only (only the services write a
call); conferences in admin_conferences."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from conferencing import admin_conferences  # noqa: F401
from conferencing.models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("created_at", "caller", "callee", "kind", "state", "answered_at", "ended_at")
    list_filter = ("state", "kind")
    search_fields = ("caller__login", "callee__login")
    date_hierarchy = "created_at"
    list_select_related = ("caller", "callee")
    readonly_fields = [f.name for f in Call._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
