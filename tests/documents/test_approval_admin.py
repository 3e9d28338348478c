"""Route templates and registration journals in Django admin, as IT staff edit them."""

from __future__ import annotations

import pytest
from django.test import Client

# documents/admin.py (the files part's) imports it; imported here too so this branch's
# admin site has the pages before any URLconf is built.
import documents.admin_approval  # noqa: F401
from documents.models import ApprovalTemplate, RegistrationJournal
from portal.audit.models import AuditEvent
from tests.factories.accounts import DEFAULT_PASSWORD, AgencyFactory, UserFactory
from tests.helpers import outside_a_request

pytestmark = outside_a_request


@pytest.fixture
def staff(db):
    agency = AgencyFactory.create(short_name="01-15")
    root = UserFactory.create(login="root-admin", is_staff=True, is_superuser=True, agency=agency)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(login=root.login, password=DEFAULT_PASSWORD)
    return agency, root, client


def test_a_journal_with_a_bad_format_is_refused_and_a_good_one_saved(staff):
    agency, _root, client = staff
    url = "/admin/documents/registrationjournal/add/"
    assert client.get(url).status_code == 200
    for bad in ("{prefix}-{year}", "{number}-{secret}", "{number:06d", "{prefix}/{number:06d}"):
        body = {"agency": agency.pk, "prefix": "01-15", "format": bad, "reset_yearly": "on"}
        response = client.post(url, body)
        assert response.status_code == 200, bad  # the form again, with the error
        assert not RegistrationJournal.objects.exists(), bad
    body = {"agency": agency.pk, "prefix": "01-15", "format": "{prefix}/{year}-{number:06d}",
            "reset_yearly": "on"}  # fmt: skip
    assert client.post(url, body).status_code == 302
    journal = RegistrationJournal.objects.get()
    assert (journal.prefix, journal.next_number) == ("01-15", 1)
    assert AuditEvent.objects.filter(action="approval.journal_saved").exists()
    # Without a yearly reset a number needs no year.
    change = f"/admin/documents/registrationjournal/{journal.pk}/change/"
    response = client.post(change, {"prefix": "ДСП", "format": "{prefix}-{number}"})
    assert response.status_code == 302
    journal.refresh_from_db()
    assert (journal.prefix, journal.format, journal.reset_yearly) == ("ДСП", "{prefix}-{number}",
                                                                      False)  # fmt: skip


def test_templates_are_checked_and_saved_through_the_service(staff):
    agency, root, client = staff
    anna = UserFactory.create(login="anna", agency=agency)
    url = "/admin/documents/approvaltemplate/add/"
    assert client.get(url).status_code == 200
    bad = {"agency": agency.pk, "name": "Приказы", "stages": '[{"approver_ids": ["nobody"]}]'}
    assert client.post(url, bad).status_code == 200
    assert not ApprovalTemplate.objects.exists()
    good = {"agency": agency.pk, "name": "Приказы",
            "stages": f'[{{"approver_ids": ["{anna.pk}"], "duration_hours": 24}}]'}  # fmt: skip
    assert client.post(url, good).status_code == 302
    template = ApprovalTemplate.objects.get()
    assert template.created_by == root
    assert template.stages == [
        {"approver_ids": [str(anna.pk)], "head_of": [], "mode": "all", "duration_hours": 24,
         "manager_id": None}
    ]  # fmt: skip
    assert client.get(f"/admin/documents/approvaltemplate/{template.pk}/change/").status_code == 200
    assert client.get("/admin/documents/approvalroute/").status_code == 200
