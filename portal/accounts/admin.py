"""Django admin of the accounts app: users, agencies and the department tree, for IT staff.

Every change goes through the accounts services (which validate, audit, end sessions and
notify); the admin only renders forms and calls them.
"""

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
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from portal import clock
from portal.accounts import selectors, services
from portal.accounts.exceptions import AgencyNotFound, DepartmentNotFound
from portal.accounts.models import Agency, AuthSession, Department, TOTPCredential, User
from portal.accounts.services.org import (
    OrgInvalid,
    OrgUnitInUse,
    department_check,
    department_path,
)
from portal.api.context import request_context
from portal.devices.models import Device


def _actor(request: HttpRequest) -> User:
    """The signed-in staff member (admin views are only reached by them)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# --- departments as choices ------------------------------------------------------------------


def department_paths(departments: QuerySet[Department] | None = None) -> dict[Any, str]:
    """Each department's path, "Root / Child / Grandchild", from one query of the tree."""
    rows = {
        pk: (name, parent_id)
        for pk, name, parent_id in Department.objects.values_list("pk", "name", "parent_id")
    }
    wanted = rows if departments is None else departments.values_list("pk", flat=True)
    paths: dict[Any, str] = {}
    for pk in wanted:
        names: list[str] = []
        node = pk
        while node is not None and node in rows and len(names) < 100:
            name, node = rows[node]
            names.append(name)
        paths[pk] = " / ".join(reversed(names))
    return paths


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments labelled "Agency — Root / Child", so equal names in different places
    of the tree (every agency has a "Юридический отдел") can be told apart."""

    _paths: dict[Any, str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        if self._paths is None:
            self._paths = department_paths()
        return f"{obj.agency} — {self._paths.get(obj.pk, obj.name)}"


def _department_field(db_field: Any, **kwargs: Any) -> DepartmentChoiceField:
    return DepartmentChoiceField(
        queryset=Department.objects.select_related("agency").order_by("agency__name", "name"),
        required=not db_field.blank,
        label=db_field.verbose_name,
        **{k: v for k, v in kwargs.items() if k in ("widget", "help_text")},
    )


# --- users -----------------------------------------------------------------------------------


NAME_FIELDS = ("last_name", "first_name", "middle_name")
ORG_FIELDS = ("agency", "department", "position")
CONTACT_FIELDS = ("email", "phone")
PERMISSION_FIELDS = ("is_active", "is_staff", "is_superuser", "is_bot", "groups",
                     "user_permissions")  # fmt: skip


class _UserOrgFormMixin(forms.ModelForm):
    """A user's department must be in the user's agency; a department alone sets the agency."""

    def clean_login(self) -> str:
        login = self.cleaned_data.get("login", "")
        taken = User.objects.filter(login__iexact=login)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if login and taken.exists():
            raise forms.ValidationError(_("A user with this login already exists."))
        return login

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
        return [("on", _("on")), ("off", _("off"))]

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

    @admin.display(description=_("end"))
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
            return _department_field(db_field, **kwargs)
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
                actor=_actor(request), user=obj, changed=list(form.changed_data), created=False,
                context=context,
            )  # fmt: skip
            return
        data = form.cleaned_data
        password = data.get("password1") if data.get("set_usable_password", True) else None
        created = services.user_create(
            actor=_actor(request), login=data["login"], password=password or None, context=context,
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
                actor=_actor(request), user=form.instance, groups=data.get("groups"),
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
                    actor=_actor(request), user=user, password=form.cleaned_data["password1"],
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
                actor=_actor(request), session=session, reason="admin_revoke",
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
            services.user_deactivate(actor=_actor(request), user=user, context=context)
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
                actor=_actor(request), user=user, reason="admin_logout", context=context,
                keep=getattr(request, "auth_session", None) if own else None,
            )  # fmt: skip
            users += 1
        self.message_user(
            request,
            gettext("%(sessions)d session(s) of %(users)d user(s) ended.")
            % {"sessions": sessions, "users": users},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        context = request_context(request)
        count = 0
        for user in self._targets(request, queryset):
            services.totp_reset(actor=_actor(request), user=user, context=context)
            count += 1
        self.message_user(
            request,
            ngettext("Two-factor sign-in reset for %(count)d user; they enrol again at sign-in.",
                     "Two-factor sign-in reset for %(count)d users; they enrol again at sign-in.",
                     count) % {"count": count},
            messages.SUCCESS,
        )  # fmt: skip


# --- agencies and departments ----------------------------------------------------------------


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
                protected.append(gettext("… and %(n)d more users") % {"n": total - 50})
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
            actor=_actor(request), agency=obj if change else None, name=obj.name,
            short_name=obj.short_name, require_2fa=obj.require_2fa,
            context=request_context(request),
        )  # fmt: skip
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db

    def delete_model(self, request: HttpRequest, obj: Agency) -> None:
        services.agency_delete(actor=_actor(request), agency=obj, context=request_context(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            self.delete_model(request, agency)


class DepartmentForm(forms.ModelForm):
    """Checks what ``department_save`` checks, so a mistake shows beside its field."""

    class Meta:
        model = Department
        fields = ["agency", "parent", "name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency") if "agency" in self.fields else self.instance.agency
        if agency is None or not data.get("name"):
            return data
        try:
            department_check(
                department=self.instance if self.instance.pk else None,
                agency=agency, parent=data.get("parent"), name=data["name"],
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
    list_display = ["tree_path", "agency", "parent", "user_count"]
    list_filter = ["agency"]
    search_fields = ["name", "agency__name", "agency__short_name"]
    # Enough levels that the path column needs no query per row in a usual tree.
    list_select_related = ["agency", "parent__parent__parent__parent"]
    ordering = ["agency__name", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return super().get_queryset(request).annotate(n_users=Count("users"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Moving a department to another agency would split its tree and its users.
        return ["agency", "created_at"] if obj is not None else ["created_at"]

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            return _department_field(db_field, **kwargs)
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
            actor=_actor(request), department=obj if change else None, agency=obj.agency,
            parent=obj.parent, name=obj.name, context=request_context(request),
        )  # fmt: skip
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db

    def delete_model(self, request: HttpRequest, obj: Department) -> None:
        services.department_delete(
            actor=_actor(request), department=obj, context=request_context(request)
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
