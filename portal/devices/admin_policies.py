"""Django admin for device policies, remote commands and the device dashboard.

Every change goes through the device services (which validate, audit and notify the
affected devices); the admin only renders forms and calls them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import clock
from portal.accounts.models import User
from portal.api.context import request_context
from portal.devices import selectors, services
from portal.devices.compliance import refusal_reasons
from portal.devices.exceptions import AssignmentConflict, InvalidRules
from portal.devices.models import Device, DeviceCommand, Policy, PolicyAssignment
from portal.devices.rules import RULES, RuleError, validate_rules
from portal.errors import PortalError


def _rules_help() -> str:
    lines = [f"{name} — {rule.label} ({json.dumps(rule.default)})" for name, rule in RULES.items()]
    return str(_("Rules as a JSON object; only the rules this policy sets. Known rules:")) + (
        " " + "; ".join(lines)
    )


class PolicyForm(forms.ModelForm):
    rules = forms.JSONField(
        label=_("rules"), required=False, widget=forms.Textarea(attrs={"rows": 12, "cols": 80})
    )

    class Meta:
        model = Policy
        fields = ["name", "description", "rules"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rules"].help_text = _rules_help()

    def clean_rules(self) -> dict[str, Any]:
        try:
            return validate_rules(self.cleaned_data.get("rules") or {})
        except RuleError as exc:
            problems = getattr(exc, "problems", {"rules": str(exc)})
            raise forms.ValidationError(
                [f"{name}: {problem}" for name, problem in sorted(problems.items())]
            ) from exc


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = PolicyAssignment
        fields = ["scope", "agency", "department", "user"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        targets = {name: data.get(name) for name in ("agency", "department", "user")}
        chosen = [name for name, value in targets.items() if value is not None]
        if scope == PolicyAssignment.Scope.SERVER and chosen:
            raise forms.ValidationError(
                _("A whole-server assignment has no agency, department or user.")
            )
        if scope and scope != PolicyAssignment.Scope.SERVER and chosen != [scope]:
            label = PolicyAssignment.Scope(scope).label
            raise forms.ValidationError(
                _("Choose exactly the %(scope)s this policy applies to.") % {"scope": label}
            )
        return data


class AssignmentInline(admin.TabularInline):
    model = PolicyAssignment
    form = AssignmentForm
    extra = 1
    autocomplete_fields = ["agency", "department", "user"]
    verbose_name = _("assignment")
    verbose_name_plural = _("assignments (the most specific one wins, rule by rule)")


def _uuid(value: str | None) -> Any:
    """``value`` as a UUID, or None when it is missing or not one (nothing is found then,
    as for an id that does not exist)."""
    try:
        return forms.UUIDField(required=False).clean(value)
    except forms.ValidationError:
        return None


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    inlines = [AssignmentInline]
    list_display = ["name", "rule_list", "assigned_to", "updated_at"]
    search_fields = ["name", "description"]

    @admin.display(description=_("rules"))
    def rule_list(self, policy: Policy) -> str:
        return ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in policy.rules.items()
        )

    @admin.display(description=_("assigned to"))
    def assigned_to(self, policy: Policy) -> str:
        return "; ".join(str(a).split(" → ", 1)[-1] for a in policy.assignments.all()) or "—"

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        saved = services.policy_save(
            actor=request.user, policy=obj if change else None, name=obj.name,
            description=obj.description, rules=obj.rules, context=request_context(request),
        )  # fmt: skip
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Policy) -> None:
        services.policy_delete(actor=request.user, policy=obj, context=request_context(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Policy]) -> None:
        for policy in queryset:
            self.delete_model(request, policy)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        context = request_context(request)
        policy: Policy = form.instance
        # Django's change message reads these; the services did the saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if not inline_form.instance._state.adding:
                services.policy_unassign(
                    actor=request.user, assignment=inline_form.instance, context=context
                )
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if not data:
                continue
            if not inline_form.instance._state.adding:
                services.policy_unassign(
                    actor=request.user,
                    assignment=PolicyAssignment.objects.get(pk=inline_form.instance.pk),
                    context=context,
                )
            scope = data["scope"]
            try:
                services.policy_assign(
                    actor=request.user, policy=policy, scope=scope,
                    target=data.get(scope) if scope != "server" else None, context=context,
                )  # fmt: skip
            except (AssignmentConflict, InvalidRules) as exc:
                self.message_user(request, f"{exc.message}", messages.ERROR)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "effective/",
                self.admin_site.admin_view(self.effective_view),
                name="devices_policy_effective",
            ),
            *super().get_urls(),
        ]

    def effective_view(self, request: HttpRequest) -> HttpResponse:
        """The effective policy of a user (``?user=``) or a device (``?device=``): each
        rule's value and the assignment it comes from; for a device also why it is refused."""
        user: User | None = None
        device: Device | None = None
        device_id, user_id = _uuid(request.GET.get("device")), _uuid(request.GET.get("user"))
        if device_id:
            device = Device.objects.select_related("user").filter(pk=device_id).first()
            user = device.user if device else None
        elif user_id:
            user = User.objects.filter(pk=user_id).first()
        rows: list[dict[str, Any]] = []
        reasons: list[str] = []
        if user is not None:
            effective = selectors.effective_policy(user)
            for name, rule in RULES.items():
                source = effective.sources[name]
                rows.append({
                    "name": name, "label": rule.label, "enforced": rule.enforced,
                    "value": json.dumps(effective.values[name], ensure_ascii=False),
                    "source": (f"{source['policy']} → {source['target'] or _('whole server')}"
                               if source else _("default")),
                })  # fmt: skip
            if device is not None:
                from portal.accounts.services.twofactor import two_factor_enabled

                reasons = refusal_reasons(
                    device=device, policy=effective, ip=device.last_ip,
                    two_factor_on=two_factor_enabled(user), session_created_at=None,
                    session_last_used_at=None, now=clock.now(),
                )  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": _("Effective device policy"),
            "subject_user": user,
            "device": device,
            "rows": rows,
            "reasons": reasons,
            "users": User.objects.filter(is_active=True).order_by("last_name")[:500],
        }
        return render(request, "admin/devices/effective_policy.html", context)


def _issue(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device], kind: str,
           message: str = "") -> None:  # fmt: skip
    context = request_context(request)
    count = 0
    for device in queryset:
        try:
            services.device_command_issue(
                actor=request.user, device=device, kind=kind, message=message, context=context
            )
            count += 1
        except PortalError as exc:
            modeladmin.message_user(request, f"{device}: {exc.message}", messages.ERROR)
    label = DeviceCommand.Kind(kind).label
    text = ngettext(
        "Command “%(kind)s” sent to %(count)d device.",
        "Command “%(kind)s” sent to %(count)d devices.",
        count,
    ) % {"kind": label, "count": count}
    modeladmin.message_user(request, text, messages.SUCCESS)


@admin.action(description=_("Lock (sign in again)"))
def lock_devices(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device]) -> None:
    _issue(modeladmin, request, queryset, DeviceCommand.Kind.LOCK)


@admin.action(description=_("Log out"))
def logout_devices(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device]) -> None:
    _issue(modeladmin, request, queryset, DeviceCommand.Kind.LOGOUT)


@admin.action(description=_("Wipe (delete local data, block the device)"))
def wipe_devices(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device]) -> None:
    _issue(modeladmin, request, queryset, DeviceCommand.Kind.WIPE)


@admin.action(description=_("Refresh policy"))
def refresh_policy(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device]) -> None:
    _issue(modeladmin, request, queryset, DeviceCommand.Kind.REFRESH_POLICY)


class MessageForm(forms.Form):
    message = forms.CharField(label=_("message"), max_length=2000, widget=forms.Textarea)


@admin.action(description=_("Show a message on the device"))
def message_devices(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device]
) -> HttpResponse | None:
    if "apply" in request.POST:
        form = MessageForm(request.POST)
        if form.is_valid():
            _issue(modeladmin, request, queryset, DeviceCommand.Kind.MESSAGE,
                   form.cleaned_data["message"])  # fmt: skip
            return None
    else:
        form = MessageForm()
    return render(
        request,
        "admin/devices/message_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Message to devices"),
            "form": form,
            "devices": queryset,
            "action": "message_devices",
            "opts": modeladmin.model._meta,
        },
    )


@admin.action(description=_("Re-enrol (allow signing in again)"))
def reenrol_devices(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Device]) -> None:
    for device in queryset:
        services.device_reenrol(actor=request.user, device=device, context=request_context(request))
    modeladmin.message_user(request, _("Devices re-enrolled."), messages.SUCCESS)


DEVICE_ACTIONS = [
    lock_devices, logout_devices, wipe_devices, refresh_policy, message_devices, reenrol_devices,
]  # fmt: skip


class ComplianceFilter(admin.SimpleListFilter):
    title = _("compliance")
    parameter_name = "compliance"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("ok", _("compliant")), ("refused", _("non-compliant"))]

    def queryset(self, request: Any, queryset: QuerySet[Device]) -> QuerySet[Device]:
        if self.value() == "ok":
            return queryset.filter(compliance_reason="")
        if self.value() == "refused":
            return queryset.exclude(compliance_reason="")
        return queryset


class LastSeenFilter(admin.SimpleListFilter):
    title = _("last seen")
    parameter_name = "seen"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("day", _("today")), ("week", _("this week")), ("stale", _("over 30 days ago"))]

    def queryset(self, request: Any, queryset: QuerySet[Device]) -> QuerySet[Device]:
        now = clock.now()
        if self.value() == "day":
            return queryset.filter(last_seen_at__gte=now - dt.timedelta(days=1))
        if self.value() == "week":
            return queryset.filter(last_seen_at__gte=now - dt.timedelta(days=7))
        if self.value() == "stale":
            return queryset.filter(last_seen_at__lt=now - dt.timedelta(days=30))
        return queryset


def dashboard_view(modeladmin: Any, request: HttpRequest) -> HttpResponse:
    """Devices per platform and status, non-compliant devices, devices not seen for 30 days."""
    devices = Device.objects.select_related("user")
    stale_since = clock.now() - dt.timedelta(days=30)
    by_platform = devices.values("platform").annotate(n=Count("id")).order_by("platform")
    by_status = devices.values("status").annotate(n=Count("id")).order_by("status")
    platforms = dict(Device.Platform.choices)
    statuses = dict(Device.Status.choices)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Device dashboard"),
        "opts": Device._meta,
        "total": devices.count(),
        "by_platform": [(platforms.get(r["platform"], r["platform"]), r["n"]) for r in by_platform],
        "by_status": [(statuses.get(r["status"], r["status"]), r["n"]) for r in by_status],
        "non_compliant": devices.exclude(compliance_reason="").order_by("-last_seen_at")[:100],
        "stale": devices.filter(last_seen_at__lt=stale_since).order_by("last_seen_at")[:100],
        "pending_commands": DeviceCommand.objects.filter(
            state__in=[DeviceCommand.State.PENDING, DeviceCommand.State.DELIVERED]
        ).count(),
    }
    return render(request, "admin/devices/dashboard.html", context)


@admin.register(DeviceCommand)
class DeviceCommandAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "device_link", "state", "issued_by", "delivered_at",
                    "acknowledged_at", "expires_at"]  # fmt: skip
    list_filter = ["state", "kind", "created_at"]
    search_fields = ["device__user__login", "device__user__search_text", "device__model"]
    list_select_related = ["device", "device__user", "issued_by"]
    date_hierarchy = "created_at"

    @admin.display(description=_("device"))
    def device_link(self, command: DeviceCommand) -> str:
        url = reverse("admin:devices_device_change", args=[command.device_id])
        return format_html('<a href="{}">{} — {}</a>', url, command.device.user, command.device)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # commands are issued from the device list (actions) or the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CommandInline(admin.TabularInline):
    model = DeviceCommand
    fields = ("created_at", "kind", "message", "state", "issued_by", "delivered_at",
              "acknowledged_at", "result")  # fmt: skip
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-created_at"]
    verbose_name_plural = _("commands")


class DeviceAdmin(admin.ModelAdmin):
    """Every device; IT staff act on one (change page) or many (list actions)."""

    list_display = ["__str__", "user", "platform", "app_version", "os_version", "status",
                    "compliance_reason", "last_seen_at", "last_ip"]  # fmt: skip
    list_filter = ["status", "platform", ComplianceFilter, LastSeenFilter, "user__agency"]
    search_fields = ["user__login", "user__search_text", "model", "client_device_id", "last_ip"]
    list_select_related = ["user"]
    actions = DEVICE_ACTIONS
    inlines = [CommandInline]
    readonly_fields = ("user", "client_device_id", "platform", "model", "os_version",
                       "app_version", "status", "compliance_reason", "first_seen_at",
                       "last_seen_at", "last_ip", "last_checkin_at", "screen_lock", "rooted",
                       "encrypted", "applied_policy_version", "effective_policy_link")  # fmt: skip
    fields = readonly_fields

    @admin.display(description=_("effective policy"))
    def effective_policy_link(self, device: Device) -> str:
        url = reverse("admin:devices_policy_effective") + f"?device={device.pk}"
        return format_html('<a href="{}">{}</a>', url, _("show rules and their sources"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # devices register themselves by signing in

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a device record is evidence; wipe or block it instead

    def get_urls(self) -> list[Any]:
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(lambda request: dashboard_view(self, request)),
                name="devices_device_dashboard",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        if request.method == "POST" and self.has_change_permission(request):
            for action in DEVICE_ACTIONS:
                if f"_{action.__name__}" in request.POST and action is not message_devices:
                    action(self, request, Device.objects.filter(pk=object_id))
                    return HttpResponseRedirect(request.path)
        extra = {**(extra_context or {}), "device_actions": [
            (f"_{a.__name__}", a.short_description) for a in DEVICE_ACTIONS  # type: ignore[attr-defined]
            if a is not message_devices
        ]}  # fmt: skip
        return super().change_view(request, object_id, form_url, extra)
