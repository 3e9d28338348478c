"""One identity per person: look-alike logins are refused on every path that creates or
renames a user, and every spelling of a login signs in to (and throttles) one account."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from portal import clock
from portal.accounts.exceptions import LoginInvalid, LoginTaken
from portal.accounts.models import User
from portal.accounts.services import login_clean, user_admin_save, user_create
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from tests.accounts.test_admin import USERS, form_data, staff_client
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers import outside_a_request
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
PASSWORD = "Strong-Passphrase-77"

# Spellings of the existing logins "admin" and "copy", and what creating them answers.
LOOK_ALIKES = [
    ("ADMIN", "login_taken"),
    ("Admin", "login_taken"),
    ("ａｄｍｉｎ", "login_taken"),  # fullwidth
    ("𝐚𝐝𝐦𝐢𝐧", "login_taken"),  # mathematical bold
    ("ɑdmin", "login_taken"),  # Latin alpha
    ("adrnin", "login_taken"),  # "rn" for "m"
    ("сору", "login_taken"),  # all Cyrillic: с, о, р, у
    ("аdmin", "login_invalid"),  # a Cyrillic а among Latin letters
    ("ad\u200bmin", "login_invalid"),  # zero-width space
    ("admin\x00", "login_invalid"),
]


@pytest.fixture
def taken(db) -> list[User]:
    return [UserFactory.create(login="admin"), UserFactory.create(login="copy")]


def _refused(exc: Any, code: str, taken: list[User]) -> None:
    assert exc.code == code
    # the answer does not say whose login it resembles
    for user in taken:
        assert user.login not in exc.message and str(user.pk) not in str(exc.details)


# --- every creation path ----------------------------------------------------------------------


@pytest.mark.parametrize(("login", "code"), LOOK_ALIKES)
def test_user_create_refuses_look_alikes(taken, login, code):
    before = User.objects.count()
    with pytest.raises((LoginTaken, LoginInvalid)) as caught:
        user_create(actor=None, login=login, password=PASSWORD, context=RequestContext.system())
    _refused(caught.value, code, taken)
    assert User.objects.count() == before


@pytest.mark.parametrize(("login", "code"), LOOK_ALIKES)
def test_the_manager_refuses_look_alikes(taken, login, code):
    with pytest.raises((LoginTaken, LoginInvalid)) as caught:
        User.objects.create_user(login, password=PASSWORD)
    assert caught.value.code == code
    with pytest.raises((LoginTaken, LoginInvalid)):
        User.objects.create_superuser(login, password=PASSWORD)
    assert User.objects.count() == 2


@pytest.mark.parametrize(("login", "code"), LOOK_ALIKES)
def test_createsuperuser_refuses_look_alikes(taken, login, code, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, login=login, verbosity=0)
    assert User.objects.count() == 2


@outside_a_request  # a management command: no request transaction around it
def test_createsuperuser_creates_a_new_login(taken, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, login="root", verbosity=0)
    root = User.objects.get(login="root")
    assert root.is_superuser and root.login_key == "root"


@pytest.mark.parametrize(("login", "code"), LOOK_ALIKES)
def test_admin_add_form_shows_the_refusal_on_the_field(taken, login, code):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    response = staff_client(root).post(
        f"{USERS}add/",
        {"login": login, "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["login"]
    assert User.objects.count() == 3


def test_admin_form_errors_are_russian_by_default(taken):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    client = Client()  # no Accept-Language: the default language
    assert client.login(login=root.login, password=DEFAULT_PASSWORD)
    data = {"usable_password": "true", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(f"{USERS}add/", {**data, "login": "ADMIN"})
    assert response.context["adminform"].form.errors["login"] == [
        "Этот логин занят или выглядит так же, как занятый. Выберите другой логин."
    ]
    response = client.post(f"{USERS}add/", {**data, "login": "ad\u200bmin"})
    assert "невидимый символ" in response.context["adminform"].form.errors["login"][0]


@pytest.mark.parametrize(("login", "code"), LOOK_ALIKES)
def test_admin_change_form_refuses_renaming_to_a_look_alike(taken, login, code):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    clerk = UserFactory.create(login="clerk")
    admin = staff_client(root)
    url = f"{USERS}{clerk.pk}/change/"
    data = form_data(admin.get(url))
    data["login"] = login
    response = admin.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["login"]
    clerk.refresh_from_db()
    assert clerk.login == "clerk" and clerk.login_key == "clerk"


def test_admin_change_form_renames_and_keeps_the_key_in_step(taken):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    clerk = UserFactory.create(login="clerk")
    admin = staff_client(root)
    url = f"{USERS}{clerk.pk}/change/"
    data = form_data(admin.get(url))
    data["login"] = "Clerk.Two"
    assert admin.post(url, data).status_code == 302
    clerk.refresh_from_db()
    assert (clerk.login, clerk.login_key) == ("Clerk.Two", "clerk.two")
    # a user's own login, re-cased, is not "taken" by that user
    data = form_data(admin.get(url))
    data["login"] = "CLERK.TWO"
    assert admin.post(url, data).status_code == 302


def test_an_old_login_that_breaks_the_rules_can_be_saved_unchanged(taken):
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)
    clerk = UserFactory.create(login="clerk")
    User.objects.filter(pk=clerk.pk).update(login="old clerk", login_key="old clerk")
    admin = staff_client(root)
    url = f"{USERS}{clerk.pk}/change/"
    data = form_data(admin.get(url))
    data["position"] = "Архивариус"
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=clerk.pk).position == "Архивариус"
    data["login"] = "older clerk"  # but a new login follows the rules
    assert admin.post(url, data).context["adminform"].form.errors["login"]


@pytest.mark.parametrize(("login", "code"), LOOK_ALIKES)
def test_user_admin_save_refuses_renaming_to_a_look_alike(taken, login, code):
    clerk = UserFactory.create(login="clerk")
    clerk.login = login
    with pytest.raises((LoginTaken, LoginInvalid)) as caught:
        user_admin_save(actor=taken[0], user=clerk, changed=["login"], created=False,
                        context=RequestContext.system())  # fmt: skip
    _refused(caught.value, code, taken)
    assert User.objects.get(pk=clerk.pk).login == "clerk"


def test_login_clean_is_the_one_decision(taken):
    assert login_clean(login="  Ivanov ") == "Ivanov"
    assert login_clean(login="ADMIN", user=taken[0]) == "ADMIN"  # its own, re-cased
    with pytest.raises(LoginTaken):
        login_clean(login="admin", user=taken[1])


def test_a_concurrent_duplicate_is_login_taken_not_a_500(taken, monkeypatch):
    """The check passed for both; the unique index still decides, as LoginTaken."""
    from portal.accounts.services import users

    monkeypatch.setattr(users, "login_clean", lambda *, login, user=None: login)
    with pytest.raises(LoginTaken):
        user_create(actor=None, login="ADMIN", password=PASSWORD, context=RequestContext.system())


def test_seed_demo_is_idempotent_by_login_key(db):
    UserFactory.create(login="ADMIN")  # someone already holds the demo admin's identity
    call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(login="admin").exists()
    assert User.objects.filter(login_key="kuznetsov.ag").count() == 1


# --- signing in -------------------------------------------------------------------------------


def _body(login: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    return {"login": login, "password": password, "device": {"id": "dev-1", "platform": "ios"}}


@pytest.mark.parametrize("spelling", ["admin", "ADMIN", "Admin", "ａｄｍｉｎ", "аdmin", "𝐚𝐝𝐦𝐢𝐧"])
def test_every_spelling_signs_in_to_the_same_account(taken, spelling):
    response = api_client().post(LOGIN, _body(spelling), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == str(taken[0].pk)


def test_failures_under_different_spellings_add_up_to_one_block(taken, settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 3
    with clock.frozen(clock.now()):
        for spelling in ("admin", "ADMIN", "аdmin", "ａｄｍｉｎ"):
            response = api_client().post(LOGIN, _body(spelling, "wrong-wrong"), format="json")
            assert_api_error(response, 401, "invalid_credentials")
        # the fourth failure started a delay for every spelling, the right password included
        for spelling in ("Admin", "𝐚𝐝𝐦𝐢𝐧", "admin"):
            blocked = api_client().post(LOGIN, _body(spelling), format="json")
            assert_api_error(blocked, 429, "login_throttled")
            assert int(blocked["Retry-After"]) > 0
        # and the admin site's login form, through the same counter
        assert _admin_login(Client(), "ADMIN", DEFAULT_PASSWORD).status_code == 200
    keys = {e.details["login"] for e in AuditEvent.objects.filter(action="auth.login_failed")}
    assert keys == {"admin", "ADMIN", "аdmin", "ａｄｍｉｎ"}  # audited as typed


def test_admin_site_backend_finds_the_account_by_its_key(taken):
    for spelling in ("ADMIN", "ａｄｍｉｎ", "аdmin"):
        client = Client()
        assert client.login(login=spelling, password=DEFAULT_PASSWORD)
        assert client.session["_auth_user_id"] == str(taken[0].pk)
    assert not Client().login(login="ad\u200bmin", password=DEFAULT_PASSWORD)


def _admin_login(client: Client, login: str, password: str) -> Any:
    """The admin site's own sign-in form; 302 when it let the user in."""
    return client.post("/admin/login/", {"username": login, "password": password})


def test_admin_backend_failures_count_toward_the_api_throttle(taken, settings):
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 2
    taken[0].is_staff = True
    taken[0].save(update_fields=["is_staff"])
    assert _admin_login(Client(), "ＡＤＭＩＮ", DEFAULT_PASSWORD).status_code == 302
    with clock.frozen(clock.now()):
        for spelling in ("ADMIN", "аdmin", "admin"):
            assert _admin_login(Client(), spelling, "wrong-wrong").status_code == 200
        assert _admin_login(Client(), "admin", DEFAULT_PASSWORD).status_code == 200  # blocked
        assert_api_error(api_client().post(LOGIN, _body("Admin"), format="json"), 429,
                         "login_throttled")  # fmt: skip


@pytest.mark.parametrize(
    ("login", "code"),
    [("ad\u200bmin", "login_invalid"), ("\ufeffadmin", "login_invalid"),
     ("admin\u202e", "login_invalid"), ("ad\x07min", "login_invalid"),
     ("ad\x00min", "invalid_characters")],  # the JSON parser refuses NUL before anything else
)  # fmt: skip
def test_invisible_and_control_characters_are_a_400(taken, login, code):
    for url, body in ((LOGIN, _body(login)), ("/api/v1/auth/session", _body(login))):
        if url != LOGIN:
            body.pop("device")
        response = api_client().post(url, body, format="json")
        error = assert_api_error(response, 400, code)
        if code == "login_invalid":
            assert error["details"]["field"] == "login"
    # refused before any work: no password checked, nothing counted or audited as a failure
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()


def test_unknown_login_is_not_found_by_a_near_miss(taken):
    response = api_client().post(LOGIN, _body("admins"), format="json")
    assert_api_error(response, 401, "invalid_credentials")


def test_get_by_natural_key_uses_the_key(taken):
    assert User.objects.get_by_natural_key("ＡＤＭＩＮ") == taken[0]
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("ad\u200bmin")


def test_key_follows_renames_and_partial_saves(taken):
    user = taken[0]
    user.login = "Boss"
    user.save(update_fields=["login"])
    assert User.objects.get(pk=user.pk).login_key == "boss"
    user.phone = "+7 900"
    user.save(update_fields=["phone"])
    assert User.objects.get(pk=user.pk).login_key == "boss"
