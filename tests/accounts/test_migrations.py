"""Migration 0003 on a database that already holds look-alike logins: it reports them and
leaves the later accounts without a key instead of guessing; check_login_collisions lists
what is left until an administrator renames them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from portal.accounts.models import User
from portal.accounts.services import user_admin_save
from portal.audit.services import RequestContext

BEFORE = [("accounts", "0002_initial")]
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def accounts_at_0002(transactional_db) -> Iterator[MigrationExecutor]:
    """The database with the accounts app migrated back to before login keys; migrated
    forward again afterwards, whatever the test did."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        yield MigrationExecutor(connection)
    finally:
        MigrationExecutor(connection).migrate(latest)


def _old_user(apps: Any, login: str, days: int) -> Any:
    OldUser = apps.get_model("accounts", "User")
    user = OldUser.objects.create(login=login, password="!")
    OldUser.objects.filter(pk=user.pk).update(date_joined=T0 + dt.timedelta(days=days))
    return user


def test_collisions_are_reported_and_the_later_accounts_left_unset(accounts_at_0002, capsys):
    executor = accounts_at_0002
    apps = executor.loader.project_state(BEFORE).apps
    admin = _old_user(apps, "admin", days=0)
    upper = _old_user(apps, "ADMIN", days=1)
    cyrillic = _old_user(apps, "аdmin", days=2)  # Cyrillic а; the rules now refuse it
    ivanov = _old_user(apps, "Ivanov", days=3)
    spaced = _old_user(apps, "old login", days=4)  # breaks the rules, collides with nothing
    hidden = _old_user(apps, "ro\u200bot", days=5)  # sign-in refuses its zero-width space

    executor.migrate(executor.loader.graph.leaf_nodes())

    report = capsys.readouterr().out
    assert "2 login(s) look the same as an earlier account's" in report
    assert f"'ADMIN' (id {upper.pk}) is the same login as 'admin' (id {admin.pk})" in report
    assert f"'аdmin' (id {cyrillic.pk}) is the same login as 'admin' (id {admin.pk})" in report
    assert "Ivanov" not in report
    keys = dict(User.objects.values_list("login", "login_key"))
    assert keys == {"admin": "adrnin", "ADMIN": None, "аdmin": None, "Ivanov": "ivanov",
                    "old login": "old login", "ro\u200bot": "ro\u200bot"}  # fmt: skip
    assert User.objects.get(pk=ivanov.pk).login_key == "ivanov"

    # the administrator's list, non-zero while an account cannot sign in
    out = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="3 accounts cannot"):
        call_command("check_login_collisions", stdout=out)
    listed = out.getvalue()
    assert f"'ADMIN' (id {upper.pk}) is the same login as 'admin'" in listed
    assert (
        f"'old login' (id {spaced.pk}) breaks the login rules: The login cannot contain "
        "spaces.\n" in listed
    )  # a warning: it still signs in
    assert f"'ro\\u200bot' (id {hidden.pk}) breaks the login rules" in listed
    assert "It cannot sign in until renamed." in listed

    # resolving: rename the earlier account; the later one then gets the key when saved
    context = RequestContext.system()
    first = User.objects.get(pk=admin.pk)
    first.login = "admin.old"
    user_admin_save(actor=first, user=first, changed=["login"], created=False, context=context)
    later = User.objects.get(pk=upper.pk)
    user_admin_save(actor=first, user=later, changed=[], created=False, context=context)
    assert User.objects.get(pk=upper.pk).login_key == "adrnin"
    out = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="2 accounts cannot"):
        call_command("check_login_collisions", stdout=out)
    assert f"'аdmin' (id {cyrillic.pk}) is the same login as 'ADMIN'" in out.getvalue()


def test_check_login_collisions_passes_on_a_clean_database(transactional_db):
    User.objects.create_user("clean", password=None)
    out = io.StringIO()
    with translation.override("ru"):  # the default language, whatever earlier tests left
        call_command("check_login_collisions", stdout=out)
    assert "все учётные записи могут войти" in out.getvalue()
