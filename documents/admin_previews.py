"""Django admin for the agencies' document policies (the watermark switch)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from documents.models import DocumentPolicy
from documents.services.previews import document_policy_set
from portal.accounts.models import User
from portal.api.context import request_context


@admin.register(DocumentPolicy)
class DocumentPolicyAdmin(admin.ModelAdmin):
    """Changes go through ``document_policy_set`` (audited); a policy is switched off,
    not deleted."""

    list_display = ["agency", "watermark", "updated_at"]
    list_filter = ["watermark"]
    fields = ["agency", "watermark"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["agency"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: DocumentPolicy, form: Any, change: bool
    ) -> None:
        assert isinstance(request.user, User)  # the admin site admits staff users only
        saved = document_policy_set(
            actor=request.user, agency=obj.agency, watermark=obj.watermark,
            context=request_context(request),
        )  # fmt: skip
        obj.updated_at = saved.updated_at
