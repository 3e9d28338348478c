"""The audit log in Django admin: read-only for everyone, superusers included.

Nobody may add, change or delete an event here (the model refuses it too); the list offers
a check of the hash chain, the same as ``manage.py verify_audit_chain``.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain

# Targets that have an admin page, so the list can link to them.
_TARGET_PAGES = {"accounts.user", "accounts.agency", "accounts.department", "devices.device",
                 "devices.policy", "devices.devicecommand"}  # fmt: skip


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_display", "target_display", "ip",
                    "device_display"]  # fmt: skip
    list_filter = [("action", admin.AllValuesFieldListFilter), "created_at",
                   ("actor", admin.RelatedOnlyFieldListFilter)]  # fmt: skip
    search_fields = ["actor_repr", "actor__login", "target_repr", "target_id", "ip", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    # Counting every row of a large log on each page is slow; the list does without it.
    show_full_result_count = False
    fields = ("created_at", "action", "actor_display", "ip", "user_agent", "device_display",
              "target_type", "target_display", "details_pretty", "prev_hash", "hash")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def lookup_allowed(self, lookup: str, value: str, request: Any = None) -> bool:
        # Links from other admin pages: "events about this user" and "events by this user".
        if lookup in ("target_id", "target_type"):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("actor"), ordering="actor_repr")
    def actor_display(self, event: AuditEvent) -> str:
        if event.actor_id is None:
            return event.actor_repr or pgettext("audit actor", "system")
        url = reverse("admin:accounts_user_change", args=[event.actor_id])
        return format_html('<a href="{}">{}</a>', url, event.actor_repr or event.actor_id)

    @admin.display(description=_("target"), ordering="target_repr")
    def target_display(self, event: AuditEvent) -> str:
        if not event.target_type:
            return "—"
        label = event.target_repr or event.target_id
        if event.target_type in _TARGET_PAGES:
            app_label, model = event.target_type.split(".")
            try:
                url = reverse(f"admin:{app_label}_{model}_change", args=[event.target_id])
            except NoReverseMatch:
                return label
            return format_html('<a href="{}">{}</a>', url, label)
        return f"{label} ({event.target_type})"

    @admin.display(description=_("device"))
    def device_display(self, event: AuditEvent) -> str:
        if event.device_id is None:
            return "—"
        url = reverse("admin:devices_device_change", args=[event.device_id])
        return format_html('<a href="{}">{}</a>', url, str(event.device_id)[:8])

    @admin.display(description=_("details"))
    def details_pretty(self, event: AuditEvent) -> str:
        text = json.dumps(event.details, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre style="margin:0">{}</pre>', text)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "verify/",
                self.admin_site.admin_view(self.verify_view),
                name="audit_auditevent_verify",
            ),
            *super().get_urls(),
        ]

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        """Walk the hash chain and report the result as a message on the list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = verify_chain()
        if report.first_broken_id is None:
            self.message_user(
                request,
                gettext("Audit chain intact: %(n)d events checked.") % {"n": report.checked},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                gettext("Audit chain broken at event %(id)d: %(reason)s (%(n)d events checked).")
                % {"id": report.first_broken_id, "reason": report.reason, "n": report.checked},
                messages.ERROR,
            )
        return HttpResponseRedirect(reverse("admin:audit_auditevent_changelist"))
