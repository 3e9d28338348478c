"""The accounts pages of Django admin (users, agencies, departments), driven as IT staff
would: every change lands through a service and leaves its audit record."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client

from portal.accounts.models import Agency, AuthSession, Department, TOTPCredential, User
from portal.accounts.services import (
    totp_enrol_confirm,
    totp_enrol_start,
    user_permissions_set,
)
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from tests.factories.accounts import (
    DEFAULT_PASSWORD,
    AgencyFactory,
    DepartmentFactory,
    UserFactory,
)
from tests.helpers import outside_a_request
from tests.helpers.api import sign_in
from tests.helpers.events import capture_events

pytestmark = outside_a_request

USERS = "/admin/accounts/user/"


def staff_client(user: User) -> Client:
    """A browser signed in to the admin the way IT staff sign in (a real Portal session),
    asking for English so messages can be compared whatever the translations say."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=user.login, password=DEFAULT_PASSWORD)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(response: Any) -> dict[str, Any]:
    """What the browser would post back from an admin change form, unchanged."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


def last_event(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-id").first()
    assert event is not None, f"no {action} event"
    return event


@pytest.fixture
def org(db):
    agency = AgencyFactory.create(name="Министерство финансов", short_name="Минфин")
    it = DepartmentFactory.create(agency=agency, name="Департамент ИТ")
    security = DepartmentFactory.create(agency=agency, name="Отдел ИБ", parent=it)
    other = AgencyFactory.create(name="Министерство культуры", short_name="Минкультуры")
    return SimpleNamespace(
        agency=agency,
        it=it,
        security=security,
        other=other,
        other_department=DepartmentFactory.create(agency=other, name="Отдел кадров"),
        root=UserFactory.create(login="root-admin", is_staff=True, is_superuser=True),
        clerk=UserFactory.create(login="clerk", department=security),
        analyst=UserFactory.create(
            login="analyst",
            last_name="Петрова",
            first_name="Анна",
            middle_name="Ивановна",
            department=it,
        ),
    )


@pytest.fixture
def admin(org) -> Client:
    return staff_client(org.root)


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(org):
    response = Client().get(USERS)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/admin/accounts/user/")


def test_signing_in_through_the_login_form(org):
    """The form as a browser posts it, with no transaction around the request: the
    signal's session, device and audit record commit together (this answered 500 on
    PostgreSQL when the signal called a service that needs its caller's transaction)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="Firefox/140")
    page = client.post(
        "/admin/login/?next=/admin/",
        {"username": org.root.login, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert page.status_code == 302 and page["Location"] == "/admin/"
    session = AuthSession.objects.get(user=org.root)
    assert session.kind == AuthSession.Kind.BROWSER and session.revoked_at is None
    assert session.device.platform == "web" and session.device.model == "Firefox/140"
    assert last_event("auth.login").details == {"kind": "admin"}
    assert client.get(USERS).status_code == 200


def test_a_wrong_password_in_the_login_form(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.post("/admin/login/", {"username": org.root.login, "password": "wrong-1234"})
    assert page.status_code == 200 and page.context["form"].errors
    assert not AuthSession.objects.exists()
    assert last_event("auth.login_failed").details["reason"] == "admin_form"


def test_non_staff_is_sent_to_the_login_page(org):
    client = Client()
    assert client.login(login=org.clerk.login, password=DEFAULT_PASSWORD)
    response = client.get(USERS)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_pages_render_for_staff(org, admin):
    _, issued = sign_in(org.clerk)
    device = issued.session.device
    for url in (
        USERS,
        f"{USERS}?q=petrova",
        f"{USERS}?agency__id__exact={org.agency.pk}&department={org.it.pk}&two_factor=off",
        f"{USERS}?is_active__exact=1&is_staff__exact=0&is_bot__exact=0&two_factor=on",
        f"{USERS}?department=not-a-uuid",
        f"{USERS}add/",
        f"{USERS}{org.clerk.pk}/change/",
        f"{USERS}{org.clerk.pk}/password/",
        f"{USERS}{org.clerk.pk}/sessions/{issued.session.pk}/revoke/",
        "/admin/accounts/agency/",
        f"/admin/accounts/agency/{org.agency.pk}/change/",
        "/admin/accounts/agency/add/",
        "/admin/accounts/department/",
        f"/admin/accounts/department/?agency__id__exact={org.agency.pk}&q=ИБ",
        f"/admin/accounts/department/{org.security.pk}/change/",
        "/admin/accounts/department/add/",
        "/admin/accounts/department/tree/",
        "/admin/audit/auditevent/",
        "/admin/devices/device/",
        f"/admin/devices/device/{device.pk}/change/",
    ):
        response = admin.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_user_list_columns_and_search(org, admin):
    sign_in(org.analyst)
    response = admin.get(f"{USERS}?q=petrova")  # Latin finds the Cyrillic name
    rows = list(response.context["cl"].result_list)
    assert [u.login for u in rows] == ["analyst"]
    assert rows[0].last_sign_in_at is not None
    page = response.content.decode()
    assert "Петрова Анна Ивановна" in page and "Минфин" in page and "Департамент ИТ" in page
    by_department = admin.get(f"{USERS}?department={org.it.pk}")
    assert {u.login for u in by_department.context["cl"].result_list} == {"analyst", "clerk"}
    assert "Минфин — Департамент ИТ / Отдел ИБ" in admin.get(f"{USERS}add/").content.decode()


# --- adding and changing users ------------------------------------------------------------------


def _add(admin: Client, **fields: Any) -> Any:
    data = {"login": "new.user", "last_name": "Орлова", "first_name": "Мария",
            "usable_password": "true", "password1": "Strong-Passphrase-77",
            "password2": "Strong-Passphrase-77", **fields}  # fmt: skip
    return admin.post(f"{USERS}add/", data)


def test_add_user_checks_the_password_policy(org, admin):
    response = _add(admin, password1="12345", password2="12345")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["password2"]
    assert not User.objects.filter(login="new.user").exists()


def test_add_user_refuses_a_department_of_another_agency(org, admin):
    response = _add(admin, agency=org.agency.pk, department=org.other_department.pk)
    assert response.status_code == 200
    assert "another agency" in str(response.context["adminform"].form.errors["department"])


def test_add_user_through_the_service(org, admin):
    response = _add(admin, department=org.security.pk, position="Аналитик")
    assert response.status_code == 302
    user = User.objects.get(login="new.user")
    assert response["Location"] == f"{USERS}{user.pk}/change/"
    assert user.agency == org.agency  # taken from the department
    assert user.check_password("Strong-Passphrase-77")
    event = last_event("user.created")
    assert event.actor_id == org.root.pk and event.target_id == str(user.pk)
    assert event.device_id is not None  # the admin's own sign-in session


def test_add_user_with_a_login_differing_only_in_case(org, admin):
    response = _add(admin, login="CLERK")
    assert response.status_code == 200
    assert "login" in response.context["adminform"].form.errors


def test_change_user_audits_privileges_and_groups(org, admin):
    group = Group.objects.create(name="Операторы")
    url = f"{USERS}{org.clerk.pk}/change/"
    data = form_data(admin.get(url))
    data.update(is_staff="on", groups=[group.pk], position="Ведущий специалист")
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    clerk = User.objects.get(pk=org.clerk.pk)
    assert clerk.is_staff and clerk.position == "Ведущий специалист"
    changed = last_event("admin.user_changed")
    assert changed.details["privileges"] == {"is_staff": [False, True]}
    assert "position" in changed.details["fields"]
    permissions = last_event("admin.user_permissions_changed")
    assert permissions.actor_id == org.root.pk
    assert permissions.details == {
        "before": {"groups": [], "permissions": []},
        "after": {"groups": ["Операторы"], "permissions": []},
    }


def test_deactivating_in_the_form_ends_the_sessions(org, admin):
    api, _ = sign_in(org.clerk)
    url = f"{USERS}{org.clerk.pk}/change/"
    data = form_data(admin.get(url))
    data.pop("is_active")
    assert admin.post(url, data).status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    assert not AuthSession.objects.filter(user=org.clerk, revoked_at__isnull=True).exists()
    assert last_event("user.deactivated").target_id == str(org.clerk.pk)


def test_department_must_match_the_agency_on_change(org, admin):
    url = f"{USERS}{org.clerk.pk}/change/"
    data = form_data(admin.get(url))
    data["department"] = org.other_department.pk
    response = admin.post(url, data)
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    assert User.objects.get(pk=org.clerk.pk).department == org.security


def test_password_change_through_the_service(org, admin):
    api, _ = sign_in(org.clerk)
    url = f"{USERS}{org.clerk.pk}/password/"
    weak = admin.post(url, {"password1": "qwerty", "password2": "qwerty"})
    assert weak.status_code == 200 and weak.context["form"].errors
    response = admin.post(
        url, {"password1": "New-Passphrase-2026", "password2": "New-Passphrase-2026"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=org.clerk.pk).check_password("New-Passphrase-2026")
    assert last_event("user.password_changed").actor_id == org.root.pk
    assert api.get("/api/v1/me").status_code == 401  # the user's sessions ended


def test_own_password_change_keeps_the_admin_signed_in(org, admin):
    url = f"{USERS}{org.root.pk}/password/"
    response = admin.post(
        url, {"password1": "New-Passphrase-2026", "password2": "New-Passphrase-2026"}
    )
    assert response.status_code == 302
    assert admin.get(USERS).status_code == 200


def test_users_are_never_deleted(org, admin):
    assert admin.get(f"{USERS}{org.clerk.pk}/delete/").status_code == 403
    actions = admin.get(USERS).context["action_form"].fields["action"].choices
    assert "delete_selected" not in {name for name, _ in actions}


def test_staff_who_is_not_superuser_cannot_grant_superuser(org):
    from django.contrib.auth.models import Permission

    helpdesk = UserFactory.create(login="helpdesk", is_staff=True)
    user_permissions_set(
        actor=org.root, user=helpdesk, groups=None,
        permissions=Permission.objects.filter(codename__in=["view_user", "change_user"]),
        context=RequestContext.system(),
    )  # fmt: skip
    client = staff_client(helpdesk)
    form = client.get(f"{USERS}{org.clerk.pk}/change/").context["adminform"].form
    assert "is_superuser" not in form.fields and "groups" not in form.fields
    # A superuser's page is view-only for them, and a POST is refused.
    assert client.post(f"{USERS}{org.root.pk}/change/", {}).status_code == 403


# --- bulk actions and per-session revoke ------------------------------------------------------


def _act(admin: Client, action: str, *users: User) -> Any:
    return admin.post(
        USERS, {"action": action, "_selected_action": [str(u.pk) for u in users]}, follow=True
    )


def test_deactivate_action(org, admin):
    api, _ = sign_in(org.clerk)
    sign_in(org.clerk)
    response = _act(admin, "deactivate_users", org.clerk, org.analyst)
    assert "2 users deactivated; their sessions have ended." in messages_of(response)
    assert not User.objects.get(pk=org.clerk.pk).is_active
    assert not User.objects.get(pk=org.analyst.pk).is_active
    assert api.get("/api/v1/me").status_code == 401
    sessions = AuthSession.objects.filter(user=org.clerk)
    assert sessions.count() == 2
    assert {s.revoke_reason for s in sessions} == {"deactivated"}
    events = AuditEvent.objects.filter(action="user.deactivated", actor=org.root)
    assert {e.target_id for e in events} == {str(org.clerk.pk), str(org.analyst.pk)}


def test_deactivate_action_spares_the_admin_themself(org, admin):
    response = _act(admin, "deactivate_users", org.root)
    assert "You cannot deactivate yourself." in messages_of(response)
    assert User.objects.get(pk=org.root.pk).is_active
    assert admin.get(USERS).status_code == 200


def test_logout_everywhere_action(org, admin):
    api, _ = sign_in(org.clerk)
    sign_in(org.clerk, platform="ios")
    response = _act(admin, "logout_everywhere", org.clerk)
    assert "Sessions ended: 2, of 1 user." in messages_of(response)
    assert api.get("/api/v1/me").status_code == 401
    assert {s.revoke_reason for s in AuthSession.objects.filter(user=org.clerk)} == {"admin_logout"}
    assert User.objects.get(pk=org.clerk.pk).is_active
    event = last_event("auth.sessions_revoked_all")
    assert event.actor_id == org.root.pk
    assert event.details == {"count": 2, "reason": "admin_logout"}


def test_logout_everywhere_keeps_the_admins_own_session(org, admin):
    _act(admin, "logout_everywhere", org.root)
    assert admin.get(USERS).status_code == 200


def test_reset_two_factor_action(org, admin):
    context = RequestContext.system()
    enrolment = totp_enrol_start(user=org.clerk, context=context)
    totp_enrol_confirm(user=org.clerk, code=pyotp.TOTP(enrolment.secret).now(), context=context)
    on = admin.get(f"{USERS}?two_factor=on")
    assert [u.login for u in on.context["cl"].result_list] == ["clerk"]
    response = _act(admin, "reset_two_factor", org.clerk)
    assert any("Two-factor sign-in reset for 1 user" in m for m in messages_of(response))
    assert not TOTPCredential.objects.filter(user=org.clerk).exists()
    event = last_event("2fa.reset_by_admin")
    assert event.actor_id == org.root.pk and event.target_id == str(org.clerk.pk)


def test_revoke_one_session(org, admin):
    api, issued = sign_in(org.clerk)
    other_api, _ = sign_in(org.clerk)
    change = admin.get(f"{USERS}{org.clerk.pk}/change/").content.decode()
    url = f"{USERS}{org.clerk.pk}/sessions/{issued.session.pk}/revoke/"
    assert url in change  # the inline links each live session to its revoke page
    assert admin.get(url).status_code == 200  # a confirmation page: GET changes nothing
    assert api.get("/api/v1/me").status_code == 200
    response = admin.post(url)
    assert response.status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    assert other_api.get("/api/v1/me").status_code == 200
    event = last_event("auth.session_revoked")
    assert event.details["session"] == str(issued.session.pk)
    assert event.details["reason"] == "admin_revoke"


def test_revoke_needs_the_session_to_belong_to_the_user(org, admin):
    _, issued = sign_in(org.analyst)
    response = admin.post(f"{USERS}{org.clerk.pk}/sessions/{issued.session.pk}/revoke/")
    assert response.status_code == 302
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is None


# --- agencies -------------------------------------------------------------------------------------


def test_agency_require_2fa_change_is_audited(org, admin):
    url = f"/admin/accounts/agency/{org.agency.pk}/change/"
    data = form_data(admin.get(url))
    data["require_2fa"] = "on"
    assert admin.post(url, data).status_code == 302
    assert Agency.objects.get(pk=org.agency.pk).require_2fa
    event = last_event("agency.require_2fa_changed")
    assert event.actor_id == org.root.pk
    assert event.details == {"before": False, "after": True}
    assert last_event("agency.changed").details == {"changes": {"require_2fa": [False, True]}}


def test_add_agency(org, admin):
    data = {"name": "Министерство спорта", "short_name": "Минспорт"}
    assert admin.post("/admin/accounts/agency/add/", data).status_code == 302
    agency = Agency.objects.get(name="Министерство спорта")
    assert last_event("agency.created").target_id == str(agency.pk)
    duplicate = admin.post("/admin/accounts/agency/add/", data)
    assert duplicate.status_code == 200 and duplicate.context["adminform"].form.errors


def test_agency_with_users_cannot_be_deleted(org, admin):
    url = f"/admin/accounts/agency/{org.agency.pk}/delete/"
    page = admin.get(url)
    assert page.status_code == 200
    assert any("clerk" in str(p) or "Иванов" in str(p) for p in page.context["protected"])
    assert "Cannot delete agency" in page.content.decode()
    admin.post(url, {"post": "yes"})
    assert Agency.objects.filter(pk=org.agency.pk).exists()


def test_empty_agency_is_deleted_with_its_departments(org, admin):
    agency = AgencyFactory.create(name="Упразднённое ведомство")
    root = DepartmentFactory.create(agency=agency, name="Корень")
    DepartmentFactory.create(agency=agency, name="Лист", parent=root)
    response = admin.post(f"/admin/accounts/agency/{agency.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Agency.objects.filter(pk=agency.pk).exists()
    assert not Department.objects.filter(agency_id=agency.pk).exists()
    assert last_event("agency.deleted").details["departments"] == 2


# --- departments ----------------------------------------------------------------------------------


def test_department_list_shows_the_path(org, admin):
    page = admin.get("/admin/accounts/department/").content.decode()
    assert "Департамент ИТ / Отдел ИБ" in page
    tree = admin.get("/admin/accounts/department/tree/").content.decode()
    assert tree.index("Департамент ИТ") < tree.index("Отдел ИБ")


def _department_post(admin: Client, department: Department, **changes: Any) -> Any:
    url = f"/admin/accounts/department/{department.pk}/change/"
    data = form_data(admin.get(url))
    data.update(changes)
    return admin.post(url, data)


def test_department_cycle_is_refused(org, admin):
    response = _department_post(admin, org.it, parent=org.security.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "inside itself or one of its sub-departments" in str(errors["parent"])
    itself = _department_post(admin, org.it, parent=org.it.pk)
    assert "parent" in itself.context["adminform"].form.errors
    assert Department.objects.get(pk=org.it.pk).parent is None


def test_department_parent_of_another_agency_is_refused(org, admin):
    response = _department_post(admin, org.security, parent=org.other_department.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "belongs to another agency" in str(errors["parent"])
    add = admin.post(
        "/admin/accounts/department/add/",
        {"agency": org.agency.pk, "parent": org.other_department.pk, "name": "Новый"},
    )
    assert "parent" in add.context["adminform"].form.errors


def test_department_names_are_unique_among_siblings(org, admin):
    data = {"agency": org.agency.pk, "name": "Департамент ИТ"}  # a second root of that name
    response = admin.post("/admin/accounts/department/add/", data)
    assert response.status_code == 200 and "name" in response.context["adminform"].form.errors
    data["parent"] = org.it.pk  # the same name one level down is fine
    assert admin.post("/admin/accounts/department/add/", data).status_code == 302
    assert last_event("department.created").details["path"] == "Департамент ИТ / Департамент ИТ"


def test_moving_a_department_is_audited_and_republishes_policies(org, admin):
    with capture_events() as captured:
        response = _department_post(admin, org.security, parent="")
    assert response.status_code == 302
    assert Department.objects.get(pk=org.security.pk).parent is None
    event = last_event("department.changed")
    assert event.details["changes"] == {"parent": [str(org.it.pk), None]}
    assert captured.of_type("policy") == [({"type": "policy", "op": "update"}, {str(org.clerk.pk)})]


def test_department_with_users_cannot_be_deleted(org, admin):
    url = f"/admin/accounts/department/{org.security.pk}/delete/"
    page = admin.get(url)
    assert page.status_code == 200 and page.context["protected"]
    admin.post(url, {"post": "yes"})
    assert Department.objects.filter(pk=org.security.pk).exists()
    # A department with sub-departments is protected by them.
    assert admin.get(f"/admin/accounts/department/{org.it.pk}/delete/").context["protected"]


def test_empty_department_is_deleted(org, admin):
    empty = DepartmentFactory.create(agency=org.agency, name="Пустой отдел")
    response = admin.post(f"/admin/accounts/department/{empty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert last_event("department.deleted").details["path"] == "Пустой отдел"


# --- one's own password, from the admin's "change password" link -------------------------------


def _change_own(client: Client, old: str, new: str = "Новый-пароль-2026") -> Any:
    return client.post(
        "/admin/password_change/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_own_password_change_goes_through_the_service(org, admin):
    _, other_device = sign_in(org.root)
    response = _change_own(admin, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/done/"
    assert last_event("user.password_changed").actor_id == org.root.pk
    other_device.session.refresh_from_db()
    assert other_device.session.revoke_reason == "password_changed"
    assert admin.get(USERS).status_code == 200  # the page's own session is kept
    assert User.objects.get(pk=org.root.pk).check_password("Новый-пароль-2026")


def test_own_password_change_counts_toward_the_sign_in_throttle(org, admin, settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 2
    for _ in range(3):
        wrong = _change_own(admin, "not-my-password")
        assert wrong.status_code == 200 and wrong.context["form"].errors
    throttled = _change_own(admin, DEFAULT_PASSWORD)  # right, but no check while blocked
    assert throttled.status_code == 200
    assert "Too many failed sign-in attempts" in str(throttled.context["form"].errors)
    assert User.objects.get(pk=org.root.pk).check_password(DEFAULT_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_change_failed").count() == 3


def test_own_password_change_page_renders(org, admin):
    page = admin.get("/admin/password_change/")
    assert page.status_code == 200 and "old_password" in page.content.decode()
    assert Client().get("/admin/password_change/").status_code == 302  # to the login page
