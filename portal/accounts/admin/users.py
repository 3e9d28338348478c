"""Admin pages for users: forms, filters, session and device inlines, bulk actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UsernameField,
)
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from portal import clock
from portal.accounts import selectors, services
from portal.accounts.admin.common import actor_of, department_field, department_paths
from portal.accounts.exceptions import (
    AgencyNotFound,
    DepartmentNotFound,
    LoginInvalid,
    LoginTaken,
)
from portal.accounts.models import AuthSession, Department, TOTPCredential, User
from portal.api.context import request_context
from portal.devices.models import Device

NAME_FIELDS = ("last_name", "first_name", "middle_name")
ORG_FIELDS = ("agency", "department", "position")
CONTACT_FIELDS = ("email", "phone")
PERMISSION_FIELDS = ("is_active", "is_staff", "is_superuser", "is_bot", "groups",
                     "user_permissions")  # fmt: skip


class _UserOrgFormMixin(forms.ModelForm):
    """A new or changed login passes ``login_clean`` (the error shows on the field); a
    user's department must be in the user's agency; a department alone sets the agency."""

    def clean_login(self) -> str:
        try:
            return services.login_clean(
                login=self.cleaned_data.get("login", ""), user=self.instance
            )
        except (LoginInvalid, LoginTaken) as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def _get_validation_exclusions(self) -> set[str]:
        # ``login_clean`` has decided about the login, uniqueness included; the model
        # field's validator would also refuse an old login that is saved unchanged.
        return {*super()._get_validation_exclusions(), "login"}  # type: ignore[misc]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        department = data.get("department")
        if department is not None and "agency" in self.fields:
            if data.get("agency") is None:
                data["agency"] = department.agency
            elif data["agency"].pk != department.agency_id:
                self.add_error(
                    "department",
                    _("This department belongs to another agency: %(agency)s.")
                    % {"agency": department.agency},
                )
        return data


class UserAddForm(_UserOrgFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("login", *NAME_FIELDS, *ORG_FIELDS, *CONTACT_FIELDS)
        field_classes = {"login": UsernameField}


class UserChangeForm(_UserOrgFormMixin, DjangoUserChangeForm):
    class Meta:
        model = User
        fields = ("login", "password", *NAME_FIELDS, *ORG_FIELDS, *CONTACT_FIELDS, "language",
                  "time_zone", *PERMISSION_FIELDS)  # fmt: skip
        field_classes = {"login": UsernameField}


class PasswordForm(AdminPasswordChangeForm):
    """Django's admin password form, always setting a password: turning password sign-in
    off is not an action Portal's services offer."""

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True


class TwoFactorFilter(admin.SimpleListFilter):
    title = _("two-factor sign-in")
    parameter_name = "two_factor"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("on", pgettext_lazy("two-factor sign-in", "on")),
            ("off", pgettext_lazy("two-factor sign-in", "off")),
        ]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # ``two_factor_on`` is annotated by UserAdmin.get_queryset.
        if self.value() == "on":
            return queryset.filter(two_factor_on=True)
        if self.value() == "off":
            return queryset.filter(two_factor_on=False)
        return queryset


class DepartmentFilter(admin.SimpleListFilter):
    """A department and every department below it; lists only the chosen agency's
    departments once an agency is chosen."""

    title = _("department (with sub-departments)")
    parameter_name = "department"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        departments = Department.objects.all()
        agency_id = request.GET.get("agency__id__exact")
        if agency_id:
            try:
                agency = selectors.access_agency(request.user, agency_id)
            except AgencyNotFound:
                return []
            departments = departments.filter(agency=agency)
        paths = department_paths(departments)
        return sorted(((str(pk), p) for pk, p in paths.items()), key=lambda item: item[1])

    def queryset(self, request: Any, queryset: QuerySet[User]) -> QuerySet[User]:
        if not self.value():
            return queryset
        try:
            department = selectors.access_department(request.user, self.value())
        except DepartmentNotFound:
            return queryset.none()
        return queryset.filter(department_id__in=department.descendant_ids())


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("accounts.view_user") or request.user.has_perm(
            "accounts.change_user"
        )


class AuthSessionInline(_ReadOnlyInline):
    """The user's live sessions, each with a link that ends it."""

    model = AuthSession
    fields = ("kind", "device_link", "ip", "user_agent", "created_at", "last_used_at",
              "access_expires_at", "revoke_link")  # fmt: skip
    readonly_fields = fields
    verbose_name_plural = _("live sessions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuthSession]:
        return (
            super()
            .get_queryset(request)
            .select_related("device")
            .filter(revoked_at__isnull=True, refresh_expires_at__gt=clock.now())
        )

    @admin.display(description=_("device"))
    def device_link(self, session: AuthSession) -> str:
        url = reverse("admin:devices_device_change", args=[session.device_id])
        return format_html('<a href="{}">{}</a>', url, session.device)

    @admin.display(description=pgettext_lazy("end a session", "end"))
    def revoke_link(self, session: AuthSession) -> str:
        url = reverse("admin:accounts_user_session_revoke", args=[session.user_id, session.pk])
        return format_html('<a href="{}" class="deletelink">{}</a>', url, _("end session"))


class DeviceInline(_ReadOnlyInline):
    model = Device
    fields = ("device_link", "platform", "os_version", "app_version", "status",
              "first_seen_at", "last_seen_at", "last_ip")  # fmt: skip
    readonly_fields = fields
    verbose_name_plural = _("devices")

    @admin.display(description=_("device"))
    def device_link(self, device: Device) -> str:
        url = reverse("admin:devices_device_change", args=[device.pk])
        return format_html('<a href="{}">{}</a>', url, device)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users for IT staff. Saving goes through ``user_admin_save`` / ``user_create``; the
    bulk actions through the session and two-factor services. Users are never deleted
    (their messages and audit trail stay attributable): deactivate them instead."""

    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = PasswordForm
    list_display = ["display_name", "login", "agency", "department", "position", "is_active",
                    "is_staff", "two_factor", "last_sign_in"]  # fmt: skip
    list_display_links = ["display_name", "login"]
    list_filter = ["agency", DepartmentFilter, "is_active", "is_staff", "is_bot",
                   TwoFactorFilter]  # fmt: skip
    # search_text is lower case; the name fields also match capitalised input on SQLite,
    # whose LIKE ignores case for ASCII letters only.
    search_fields = ["login", "search_text", "last_name", "first_name", "email", "phone"]
    list_select_related = ["agency", "department"]
    ordering = ["last_name", "first_name", "login"]
    readonly_fields = ["two_factor", "last_sign_in", "last_login", "date_joined",
                       "audit_link"]  # fmt: skip
    fieldsets = (
        (_("Identity"), {"fields": ("login", "password", *NAME_FIELDS)}),
        (_("Organisation"), {"fields": ORG_FIELDS}),
        (_("Contact"), {"fields": CONTACT_FIELDS}),
        (_("Preferences"), {"fields": ("language", "time_zone")}),
        (_("Permissions"), {"fields": PERMISSION_FIELDS}),
        (_("Security"), {"fields": ("two_factor", "last_sign_in", "last_login",
                                    "date_joined", "audit_link")}),
    )  # fmt: skip
    add_fieldsets = (
        (_("Identity"), {"fields": ("login", *NAME_FIELDS)}),
        (_("Organisation"), {"fields": ORG_FIELDS}),
        (_("Contact"), {"fields": CONTACT_FIELDS}),
        (_("Password"), {"fields": ("usable_password", "password1", "password2")}),
    )
    inlines = [AuthSessionInline, DeviceInline]
    actions = ["deactivate_users", "logout_everywhere", "reset_two_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        confirmed = TOTPCredential.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        last_session = AuthSession.objects.filter(user=OuterRef("pk")).order_by("-created_at")
        return (
            super()
            .get_queryset(request)
            .annotate(
                two_factor_on=Exists(confirmed),
                last_sign_in_at=Subquery(last_session.values("created_at")[:1]),
            )
        )

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return list(self.inlines) if obj is not None else []

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "department":
            return department_field(db_field, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser grants what only a superuser has.
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- columns and read-only fields ---

    @admin.display(description=_("full name"), ordering="last_name")
    def display_name(self, user: User) -> str:
        return user.full_name or "—"

    @admin.display(description=_("two-factor sign-in"), boolean=True, ordering="two_factor_on")
    def two_factor(self, user: User) -> bool:
        return bool(getattr(user, "two_factor_on", False))

    @admin.display(description=_("last sign-in"), ordering="last_sign_in_at")
    def last_sign_in(self, user: User) -> Any:
        return getattr(user, "last_sign_in_at", None) or "—"

    @admin.display(description=_("audit log"))
    def audit_link(self, user: User) -> str:
        url = reverse("admin:audit_auditevent_changelist")
        return format_html(
            '<a href="{}?target_id={}">{}</a> · <a href="{}?actor__id__exact={}">{}</a>',
            url, user.pk, _("events about this user"),
            url, user.pk, _("events by this user"),
        )  # fmt: skip

    # --- saving through the services ---

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        context = request_context(request)
        if change:
            services.user_admin_save(
                actor=actor_of(request), user=obj, changed=list(form.changed_data), created=False,
                context=context,
            )  # fmt: skip
            return
        data = form.cleaned_data
        password = data.get("password1") if data.get("set_usable_password", True) else None
        created = services.user_create(
            actor=actor_of(request), login=data["login"], password=password or None,
            context=context,
            **{name: data.get(name) for name in (*NAME_FIELDS, *ORG_FIELDS, *CONTACT_FIELDS)},
        )  # fmt: skip
        # The admin goes on with ``obj`` (change message, redirect): make it the new row.
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        if "groups" in data or "user_permissions" in data:
            services.user_permissions_set(
                actor=actor_of(request), user=form.instance, groups=data.get("groups"),
                permissions=data.get("user_permissions"), context=request_context(request),
            )  # fmt: skip
        # The inlines are read-only; Django's change message still reads these.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Django's password page; a valid new password is set by ``user_set_password``
        (which audits it and ends the user's other sessions)."""
        user = self.get_object(request, unquote(id))
        if request.method == "POST" and user is not None:
            if not self.has_change_permission(request, user):
                raise PermissionDenied
            form = self.change_password_form(user, request.POST)
            if form.is_valid():
                own = user.pk == request.user.pk
                services.user_set_password(
                    actor=actor_of(request), user=user, password=form.cleaned_data["password1"],
                    context=request_context(request),
                    keep_session=getattr(request, "auth_session", None) if own else None,
                )  # fmt: skip
                self.log_change(request, user, self.construct_change_message(request, form, []))
                messages.success(request, gettext("Password changed successfully."))
                update_session_auth_hash(request, user)
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        return super().user_change_password(request, id, form_url)

    # --- per-session revoke ---

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/sessions/<uuid:session_id>/revoke/",
                self.admin_site.admin_view(self.revoke_session_view),
                name="accounts_user_session_revoke",
            ),
            *super().get_urls(),
        ]

    def revoke_session_view(self, request: HttpRequest, object_id: str, session_id: Any) -> Any:
        """Confirm (GET) and end (POST) one session of a user."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        session = selectors.auth_sessions_of(user).filter(pk=session_id).first()
        change_url = reverse("admin:accounts_user_change", args=[user.pk])
        if session is None:
            messages.warning(request, gettext("This session has already ended."))
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            services.auth_session_revoke(
                actor=actor_of(request), session=session, reason="admin_revoke",
                context=request_context(request),
            )  # fmt: skip
            messages.success(request, gettext("The session on %(device)s has been ended.")
                             % {"device": session.device})  # fmt: skip
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("End the session?"),
            "opts": self.opts,
            "original": user,
            "session": session,
            "change_url": change_url,
        }
        return render(request, "admin/accounts/user/revoke_session.html", context)

    # --- bulk actions ---

    def _targets(
        self, request: HttpRequest, queryset: QuerySet[User], *, not_self: bool = False
    ) -> list[User]:
        targets = []
        for user in queryset:
            if user.is_superuser and not request.user.is_superuser:
                self.message_user(
                    request,
                    gettext("%(user)s is a superuser; only a superuser may do this.")
                    % {"user": user},
                    messages.WARNING,
                )
            elif not_self and user.pk == request.user.pk:
                self.message_user(
                    request, gettext("You cannot deactivate yourself."), messages.WARNING
                )
            else:
                targets.append(user)
        return targets

    @admin.action(description=_("Deactivate (end all their sessions)"), permissions=["change"])
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        context = request_context(request)
        count = 0
        for user in self._targets(request, queryset.filter(is_active=True), not_self=True):
            services.user_deactivate(actor=actor_of(request), user=user, context=context)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d user deactivated; their sessions have ended.",
                     "%(count)d users deactivated; their sessions have ended.", count)
            % {"count": count},
            messages.SUCCESS,
        )  # fmt: skip

    @admin.action(description=_("Log out everywhere"), permissions=["change"])
    def logout_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        context = request_context(request)
        users = sessions = 0
        for user in self._targets(request, queryset):
            own = user.pk == request.user.pk
            sessions += services.auth_sessions_revoke_all(
                actor=actor_of(request), user=user, reason="admin_logout", context=context,
                keep=getattr(request, "auth_session", None) if own else None,
            )  # fmt: skip
            users += 1
        self.message_user(
            request,
            ngettext(
                "Sessions ended: %(sessions)d, of %(users)d user.",
                "Sessions ended: %(sessions)d, of %(users)d users.",
                users,
            )
            % {"sessions": sessions, "users": users},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        context = request_context(request)
        count = 0
        for user in self._targets(request, queryset):
            services.totp_reset(actor=actor_of(request), user=user, context=context)
            count += 1
        self.message_user(
            request,
            ngettext("Two-factor sign-in reset for %(count)d user; they enrol again at sign-in.",
                     "Two-factor sign-in reset for %(count)d users; they enrol again at sign-in.",
                     count) % {"count": count},
            messages.SUCCESS,
        )  # fmt: skip


# --- agencies and departments ----------------------------------------------------------------
