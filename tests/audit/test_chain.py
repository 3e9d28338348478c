"""The audit log's hash chain and ``manage.py verify_audit_chain``."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.audit.models import AuditEvent
from portal.audit.services import GENESIS_HASH, RequestContext, record, verify_chain
from tests.helpers import outside_a_request

pytestmark = outside_a_request  # verify_audit_chain is a management command


@pytest.fixture
def events(user):
    AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)  # start from an empty log
    return [
        record(
            f"test.event_{n}",
            actor=user,
            context=RequestContext(ip="10.0.0.1"),
            target=user,
            details={"n": n},
        )
        for n in range(5)
    ]


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


def test_rows_link_to_their_predecessor(events):
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert "intact: 5 rows" in _verify()


def test_a_changed_row_is_named(events):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"n": 99}', events[2].id]
        )
    report = verify_chain()
    assert report.first_broken_id == events[2].id and report.reason == "row content changed"
    with pytest.raises(CommandError, match=f"broken at row {events[2].id}"):
        _verify()


def test_a_deleted_row_is_found_at_the_next_one(events):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
    report = verify_chain()
    assert report.first_broken_id == events[2].id
    assert report.reason == "previous row missing or changed"


def test_the_orm_refuses_to_change_or_delete(events):
    event = events[0]
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_records_carry_who_what_where(events, user):
    event = AuditEvent.objects.get(pk=events[0].pk)
    assert event.actor_id == user.pk and event.actor_repr == str(user)
    assert event.ip == "10.0.0.1"
    assert event.target_type == "accounts.user" and event.target_id == str(user.pk)
    assert event.details == {"n": 0}
