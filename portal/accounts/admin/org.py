"""Admin pages for agencies and departments (through the organisation services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.accounts import services
from portal.accounts.admin.common import actor_of, department_field
from portal.accounts.models import Agency, Department, User
from portal.accounts.services.org import (
    OrgInvalid,
    OrgUnitInUse,
    department_check,
    department_path,
)
from portal.api.context import request_context


class _InUseDeleteMixin:
    """Lists the users still in an agency or department as protected objects, so Django's
    delete page refuses with their names instead of detaching them silently."""

    users_lookup: str
    # An agency's department tree goes with it (``agency_delete`` removes it leaves first),
    # so the parent links inside it, which Django's collector reports, do not block.
    tree_goes_along = False

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        protected = [] if self.tree_goes_along else list(protected)
        for obj in objs:
            users = User.objects.filter(**{self.users_lookup: obj}).order_by("login")
            total = users.count()
            protected.extend(
                format_html("{}: {}", capfirst(User._meta.verbose_name), u) for u in users[:50]
            )
            if total > 50:
                protected.append(
                    ngettext("… and %(n)d more user", "… and %(n)d more users", total - 50)
                    % {"n": total - 50}
                )
        return deleted, counts, perms_needed, protected


@admin.register(Agency)
class AgencyAdmin(_InUseDeleteMixin, admin.ModelAdmin):
    users_lookup = "agency"
    tree_goes_along = True
    list_display = ["name", "short_name", "require_2fa", "department_count", "user_count"]
    list_filter = ["require_2fa"]
    search_fields = ["name", "short_name"]
    fields = ["name", "short_name", "require_2fa", "created_at"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_departments=Count("departments", distinct=True),
                n_users=Count("users", distinct=True),
            )
        )

    @admin.display(description=_("departments"), ordering="n_departments")
    def department_count(self, agency: Agency) -> int:
        return getattr(agency, "n_departments", 0)

    @admin.display(description=_("users"), ordering="n_users")
    def user_count(self, agency: Agency) -> str:
        url = reverse("admin:accounts_user_changelist") + f"?agency__id__exact={agency.pk}"
        return format_html('<a href="{}">{}</a>', url, getattr(agency, "n_users", 0))

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        saved = services.agency_save(
            actor=actor_of(request), agency=obj if change else None, name=obj.name,
            short_name=obj.short_name, require_2fa=obj.require_2fa,
            context=request_context(request),
        )  # fmt: skip
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db

    def delete_model(self, request: HttpRequest, obj: Agency) -> None:
        services.agency_delete(
            actor=actor_of(request), agency=obj, context=request_context(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            self.delete_model(request, agency)


class DepartmentForm(forms.ModelForm):
    """Checks what ``department_save`` checks, so a mistake shows beside its field."""

    class Meta:
        model = Department
        fields = ["agency", "parent", "name", "head"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency") if "agency" in self.fields else self.instance.agency
        if agency is None or not data.get("name"):
            return data
        try:
            department_check(
                department=self.instance if self.instance.pk else None,
                agency=agency, parent=data.get("parent"), name=data["name"],
                head=data.get("head"),
            )  # fmt: skip
        except OrgInvalid as exc:
            field = exc.details.get("field")
            self.add_error(field if field in self.fields else None, exc.message)
        return data

    def validate_constraints(self) -> None:
        pass  # department_check covers the unique name among siblings, NULL parent included


@admin.register(Department)
class DepartmentAdmin(_InUseDeleteMixin, admin.ModelAdmin):
    users_lookup = "department"
    form = DepartmentForm
    list_display = ["tree_path", "agency", "parent", "head", "user_count"]
    list_filter = ["agency"]
    search_fields = ["name", "agency__name", "agency__short_name"]
    # Enough levels that the path column needs no query per row in a usual tree.
    list_select_related = ["agency", "head", "parent__parent__parent__parent"]
    autocomplete_fields = ["head"]
    ordering = ["agency__name", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return super().get_queryset(request).annotate(n_users=Count("users"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Moving a department to another agency would split its tree and its users.
        return ["agency", "created_at"] if obj is not None else ["created_at"]

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            return department_field(db_field, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("department"), ordering="name")
    def tree_path(self, department: Department) -> str:
        return department_path(department)

    @admin.display(description=_("users"), ordering="n_users")
    def user_count(self, department: Department) -> str:
        url = reverse("admin:accounts_user_changelist") + f"?department={department.pk}"
        return format_html('<a href="{}">{}</a>', url, getattr(department, "n_users", 0))

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        saved = services.department_save(
            actor=actor_of(request), department=obj if change else None, agency=obj.agency,
            parent=obj.parent, name=obj.name, head=obj.head, context=request_context(request),
        )  # fmt: skip
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db

    def delete_model(self, request: HttpRequest, obj: Department) -> None:
        services.department_delete(
            actor=actor_of(request), department=obj, context=request_context(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Department]) -> None:
        # Deepest first, so a department and its sub-departments can go in one action.
        for department in sorted(queryset, key=lambda d: -len(d.ancestors())):
            try:
                self.delete_model(request, department)
            except OrgUnitInUse as exc:
                self.message_user(request, f"{department}: {exc.message}", messages.ERROR)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "tree/",
                self.admin_site.admin_view(self.tree_view),
                name="accounts_department_tree",
            ),
            *super().get_urls(),
        ]

    def tree_view(self, request: HttpRequest) -> HttpResponse:
        """Every agency's department tree, with the number of users in each department."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        departments = list(Department.objects.annotate(n_users=Count("users")).order_by("name"))
        children: dict[Any, list[Department]] = {}
        for department in departments:
            children.setdefault(department.parent_id, []).append(department)

        def subtree(parent_id: Any, depth: int) -> list[tuple[int, Department]]:
            rows: list[tuple[int, Department]] = []
            for department in children.get(parent_id, []):
                rows.append((depth, department))
                if depth < 50:
                    rows.extend(subtree(department.pk, depth + 1))
            return rows

        rows = subtree(None, 0)
        agencies = [
            (agency, [(d, dep) for d, dep in rows if dep.agency_id == agency.pk])
            for agency in Agency.objects.order_by("name")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Department tree"),
            "opts": self.opts,
            "agencies": agencies,
        }
        return render(request, "admin/accounts/department/tree.html", context)
