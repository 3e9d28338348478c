"""Deadline reminders and overdue escalation by the beat task, with a moved clock: each
once per stage, to exactly the people concerned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

from documents.services.approval import (
    approval_delegation_create,
    approval_route_start,
    approval_step_decide,
)
from documents.tasks_approval import check_approval_deadlines
from messaging.models import Message
from portal import clock
from tests.documents.approval_fixtures import make_document
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers import outside_a_request
from tests.helpers.events import capture_events

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(db):
    agency = AgencyFactory.create(short_name="01-15")
    return {
        login: UserFactory.create(login=login, agency=agency)
        for login in ("owner", "anna", "boris", "manager", "deputy")
    }


def _route(people, *, manager=True, approvers=("anna", "boris")):
    document = make_document(people["owner"])
    stage = {"approver_ids": [people[a].pk for a in approvers], "duration_hours": 48}
    if manager:
        stage["manager_id"] = people["manager"].pk
    approval_route_start(
        actor=people["owner"], document_id=document.pk, on_new_version="restart",
        stages=[stage, {"approver_ids": [people["owner"].pk], "duration_hours": 48}],
    )  # fmt: skip
    return document


def _at(frozen, hours):
    frozen.advance((T0 + dt.timedelta(hours=hours) - frozen.now()).total_seconds())


@outside_a_request
def test_reminder_before_the_deadline_then_escalation_each_once(people):
    with clock.frozen(T0) as frozen:
        document = _route(people)
        approval_step_decide(actor=people["anna"], document_id=document.pk, decision="approve")
        approval_delegation_create(
            actor=people["boris"], deputy_id=people["deputy"].pk,
            from_date=T0.date(), to_date=T0.date() + dt.timedelta(days=5),
        )  # fmt: skip

        _at(frozen, 23)
        assert check_approval_deadlines() == {"reminders": 0, "escalations": 0}

        _at(frozen, 25)
        with capture_events() as reminded:
            assert check_approval_deadlines() == {"reminders": 1, "escalations": 0}
        [(payload, recipients)] = reminded.of_type("approval")
        assert payload["step"] == "reminder"
        # Boris has not decided (Anna has); his deputy of today is reminded too.
        assert recipients == {str(people["boris"].pk), str(people["deputy"].pk)}
        reminders = Message.objects.filter(system__action="approval_reminder")
        assert {m.conversation.memberships.exclude(user=people["owner"]).get().user_id
                for m in reminders} == {people["boris"].pk, people["deputy"].pk}  # fmt: skip

        _at(frozen, 30)
        with capture_events() as again:
            assert check_approval_deadlines() == {"reminders": 0, "escalations": 0}
        assert again.of_type("approval") == []

        _at(frozen, 49)
        with capture_events() as escalated:
            assert check_approval_deadlines() == {"reminders": 0, "escalations": 1}
        [(payload, recipients)] = escalated.of_type("approval")
        assert payload["step"] == "escalation"
        assert recipients == {str(people["manager"].pk)}
        escalation = Message.objects.get(system__action="approval_escalation")
        assert escalation.system["document_id"] == str(document.pk)
        assert escalation.system["link"] == f"/documents/{document.pk}"

        _at(frozen, 80)
        assert check_approval_deadlines() == {"reminders": 0, "escalations": 0}


@outside_a_request
def test_without_a_manager_the_starter_is_told_and_the_next_stage_has_its_own(people):
    with clock.frozen(T0) as frozen:
        document = _route(people, manager=False, approvers=("anna",))
        _at(frozen, 50)  # overdue before any run: no late reminder, one escalation
        with capture_events() as escalated:
            assert check_approval_deadlines() == {"reminders": 0, "escalations": 1}
        [(payload, recipients)] = escalated.of_type("approval")
        assert payload["step"] == "escalation" and recipients == {str(people["owner"].pk)}

        # Stage 2 starts now and has a reminder and an escalation of its own.
        approval_step_decide(actor=people["anna"], document_id=document.pk, decision="approve")
        _at(frozen, 50 + 25)
        assert check_approval_deadlines() == {"reminders": 1, "escalations": 0}
        _at(frozen, 50 + 49)
        assert check_approval_deadlines() == {"reminders": 0, "escalations": 1}


def test_the_task_is_on_the_beat_schedule():
    entry: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE["check-approval-deadlines"]
    assert entry["task"] == check_approval_deadlines.name
    assert entry["schedule"] <= 600
