"""The audit log in Django admin: readable by staff, unchangeable by anyone, and its hash
chain can be checked from the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client

from portal.accounts.models import User
from portal.accounts.services import user_permissions_set
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext, record
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.helpers import outside_a_request

pytestmark = outside_a_request

LIST = "/admin/audit/auditevent/"


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=user.login, password=DEFAULT_PASSWORD)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def root(db) -> User:
    return UserFactory.create(login="root-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(root) -> Client:
    return signed_in(root)


@pytest.fixture
def event(root) -> AuditEvent:
    return record(
        "user.deactivated",
        actor=root,
        context=RequestContext(ip="10.1.2.3", user_agent="pytest"),
        target=UserFactory.create(login="target-user", last_name="Сидоров"),
        details={"reason": "уволен", "nested": {"a": [1, 2]}},
    )


def test_pages_render(admin, event):
    for url in (
        LIST,
        f"{LIST}?action=user.deactivated",
        f"{LIST}?q=10.1.2",
        f"{LIST}?q=root-admin",
        f"{LIST}?actor__id__exact={event.actor_id}",
        f"{LIST}?target_id={event.target_id}",
        f"{LIST}?created_at__year={event.created_at.year}",
        f"{LIST}{event.pk}/change/",
        f"{LIST}{event.pk}/history/",
    ):
        response = admin.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_list_filters_and_search(admin, event):
    by_action = admin.get(f"{LIST}?action=user.deactivated").context["cl"].result_list
    assert [e.pk for e in by_action] == [event.pk]
    by_ip = admin.get(f"{LIST}?q=10.1.2.3").context["cl"].result_list
    assert [e.pk for e in by_ip] == [event.pk]
    by_target = admin.get(f"{LIST}?q=сидоров").context["cl"].result_list
    assert event.pk in [e.pk for e in by_target]
    by_actor = admin.get(f"{LIST}?actor__id__exact={event.actor_id}").context["cl"].result_list
    assert event.pk in [e.pk for e in by_actor]
    assert all(e.actor_id == event.actor_id for e in by_actor)


def test_details_are_pretty_printed(admin, event):
    page = admin.get(f"{LIST}{event.pk}/change/").content.decode()
    assert "<pre" in page
    assert "&quot;reason&quot;: &quot;уволен&quot;" in page
    assert "  &quot;nested&quot;: {\n    &quot;a&quot;: [" in page


def test_nobody_may_add_change_or_delete(admin, event):
    before = AuditEvent.objects.get(pk=event.pk)
    assert admin.get(f"{LIST}add/").status_code == 403
    assert admin.post(f"{LIST}add/", {"action": "forged"}).status_code == 403
    assert admin.post(f"{LIST}{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert admin.get(f"{LIST}{event.pk}/delete/").status_code == 403
    assert admin.post(f"{LIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.get(LIST).context["action_form"] is None  # no bulk delete, no actions at all
    admin.post(LIST, {"action": "delete_selected", "_selected_action": [str(event.pk)]})
    after = AuditEvent.objects.get(pk=event.pk)
    assert (after.action, after.hash) == (before.action, before.hash)


def test_change_page_has_no_save_button(admin, event):
    page = admin.get(f"{LIST}{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert "deletelink" not in page


def test_staff_without_audit_permission_cannot_read_it(root, event):
    helpdesk = UserFactory.create(login="helpdesk", is_staff=True)
    client = signed_in(helpdesk)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}verify/").status_code == 403
    user_permissions_set(
        actor=root, user=helpdesk, groups=None,
        permissions=Permission.objects.filter(codename="view_auditevent"),
        context=RequestContext.system(),
    )  # fmt: skip
    assert client.get(LIST).status_code == 200
    assert client.post(f"{LIST}{event.pk}/change/", {}).status_code == 403


def test_anonymous_is_sent_to_the_login_page(event):
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_verify_chain_reports_intact(admin, event):
    assert 'href="/admin/audit/auditevent/verify/"' in admin.get(LIST).content.decode()
    response = admin.get(f"{LIST}verify/", follow=True)
    count = AuditEvent.objects.count()
    assert messages_of(response) == [f"Audit chain intact: {count} events checked."]
    assert response.redirect_chain[-1][0] == LIST


def test_verify_chain_reports_a_tampered_row(admin, event):
    record("auth.login", actor=None, context=RequestContext.system())
    # The ORM refuses to change audit rows on purpose; an attacker with SQL access does not.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET details = %s WHERE id = %s",
            ['{"reason": "подделка"}', event.pk],
        )
    response = admin.get(f"{LIST}verify/", follow=True)
    checked = AuditEvent.objects.filter(pk__lte=event.pk).count()
    assert messages_of(response) == [
        f"Audit chain broken at event {event.pk}: row content changed ({checked} events checked)."
    ]
