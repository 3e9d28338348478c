"""Django admin for the approval workflow's organisation policy: route templates and
registration journals (edited here), routes and delegations (read only).

Changes go through the approval services (which check, audit and store); the admin only
renders forms and calls them. documents/admin.py imports this module."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from documents.exceptions import InvalidRoute
from documents.models import (
    ApprovalDelegation,
    ApprovalRoute,
    ApprovalStage,
    ApprovalTemplate,
    RegistrationJournal,
)
from documents.services import approval as services
from documents.services.approval.common import stages_check
from portal.accounts.models import User
from portal.api.context import request_context


class TemplateForm(forms.ModelForm):
    stages = forms.JSONField(
        label=_("stages"),
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        help_text=_(
            'A list of stages: [{"approver_ids": ["<user id>", …], "mode": "all" or "any", '
            '"duration_hours": 48, "manager_id": "<user id>" or null}, …]'
        ),
    )

    class Meta:
        model = ApprovalTemplate
        fields = ["agency", "name", "stages", "signer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stages = data.get("stages")
        signer = data.get("signer")
        try:
            stages_check(
                stages if isinstance(stages, list) else [{}],
                agency_id=agency.pk if (agency := data.get("agency")) else None,
                signer_id=signer.pk if signer else None,
                allow_due_at=False,
            )
        except InvalidRoute as exc:
            raise forms.ValidationError(
                [f"{place}: {' '.join(problems)}" for place, problems in exc.details.items()]
            ) from exc
        return data


@admin.register(ApprovalTemplate)
class ApprovalTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["name", "agency", "created_by", "updated_at"]
    list_filter = ["agency"]
    search_fields = ["name"]
    autocomplete_fields = ["signer"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(
        self, request: HttpRequest, obj: ApprovalTemplate, form: Any, change: bool
    ) -> None:
        services.approval_template_admin_save(
            actor=cast(User, request.user), template=obj, context=request_context(request)
        )

    def delete_model(self, request: HttpRequest, obj: ApprovalTemplate) -> None:
        services.approval_template_admin_delete(
            actor=cast(User, request.user), template=obj, context=request_context(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApprovalTemplate]) -> None:
        for template in queryset:
            self.delete_model(request, template)


class JournalForm(forms.ModelForm):
    class Meta:
        model = RegistrationJournal
        fields = ["agency", "prefix", "format", "reset_yearly"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problem = services.journal_format_check(
            data.get("format") or "", reset_yearly=bool(data.get("reset_yearly"))
        )
        if problem:
            self.add_error("format", problem)
        return data


@admin.register(RegistrationJournal)
class RegistrationJournalAdmin(admin.ModelAdmin):
    form = JournalForm
    list_display = ["agency", "prefix", "format", "next_number", "year", "reset_yearly"]
    readonly_fields = ["next_number", "year"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A journal stays with its agency: its numbers are unique per agency.
        return [*self.readonly_fields, "agency"] if obj is not None else self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: RegistrationJournal, form: Any, change: bool
    ) -> None:
        services.registration_journal_save(
            actor=cast(User, request.user), journal=obj, context=request_context(request)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deleting a journal would hand out its numbers again


class StageInline(admin.TabularInline):
    model = ApprovalStage
    fields = ("number", "kind", "mode", "deadline_at", "started_at", "completed_at", "manager")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(admin.ModelAdmin):
    """Routes as they ran, read only: they change through their document's API."""

    list_display = ["document", "status", "current_stage", "cycle", "started_by", "started_at"]
    list_filter = ["status"]
    inlines = [StageInline]
    readonly_fields = [
        "document", "version", "version_sha256", "status", "on_new_version", "cycle",
        "current_stage", "template", "started_by", "started_at", "finished_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(admin.ModelAdmin):
    list_display = ["principal", "deputy", "from_date", "to_date"]
    readonly_fields = ["principal", "deputy", "from_date", "to_date", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the principal ends it, through the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
