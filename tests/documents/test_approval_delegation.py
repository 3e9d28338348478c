"""Delegation to a deputy, and the inbox of tasks waiting for my decision."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from documents.models import ApprovalDecision, DocumentShare
from documents.selectors_approval import inbox
from portal import clock
from tests.documents.approval_fixtures import decide, make_document, route_body, scene, start
from tests.helpers.api import assert_api_error

__all__ = ["scene"]


def _delegate(client, deputy, *, days=(0, 7)):
    today = timezone.localdate(clock.now())
    return client.post(
        "/api/v1/approval-delegations",
        {
            "deputy_id": str(deputy.pk),
            "from_date": str(today + dt.timedelta(days=days[0])),
            "to_date": str(today + dt.timedelta(days=days[1])),
        },
        format="json",
    )


def test_a_deputy_decides_in_the_approvers_place(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    response = _delegate(scene.c["anna"], scene.deputy)
    assert response.status_code == 201, response.content
    # The deputy is given access to the document of Anna's open task at once.
    assert DocumentShare.objects.filter(document=scene.document, user=scene.deputy).exists()

    inbox = scene.c["deputy"].get("/api/v1/approvals/inbox").json()["results"]
    assert [(t["document_id"], t["on_behalf_of"]) for t in inbox] == [
        (str(scene.document.pk), str(scene.anna.pk))
    ]
    route = decide(scene.c["deputy"], scene.document).json()
    assert route["current_stage"] == 2
    [signed] = route["decisions"]
    assert signed["approver"]["id"] == str(scene.anna.pk)
    assert signed["deputy"]["id"] == str(scene.deputy.pk)
    # Anna's decision is taken: neither she nor her deputy decides again.
    assert_api_error(decide(scene.c["anna"], scene.document), 409, "approval_already_decided")
    assert scene.c["deputy"].get("/api/v1/approvals/inbox").json()["results"] == []


def test_a_delegation_that_has_not_begun_gives_nothing(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    assert _delegate(scene.c["anna"], scene.deputy, days=(3, 5)).status_code == 201
    assert scene.c["deputy"].get("/api/v1/approvals/inbox").json()["results"] == []
    assert_api_error(decide(scene.c["deputy"], scene.document), 404, "document_not_found")


def test_a_deleted_delegation_no_longer_lets_the_deputy_decide(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    delegation = _delegate(scene.c["anna"], scene.deputy).json()
    listed = scene.c["deputy"].get("/api/v1/approval-delegations").json()["results"]
    assert [d["id"] for d in listed] == [delegation["id"]]
    response = scene.c["deputy"].delete(f"/api/v1/approval-delegations/{delegation['id']}")
    assert_api_error(response, 404, "approval_delegation_not_found")  # not the deputy's to end
    response = scene.c["anna"].delete(f"/api/v1/approval-delegations/{delegation['id']}")
    assert response.status_code == 204
    assert_api_error(decide(scene.c["deputy"], scene.document), 403, "approval_not_approver")
    assert not ApprovalDecision.objects.exists()


def test_bad_delegations_are_refused(scene):
    response = _delegate(scene.c["anna"], scene.anna)
    assert_api_error(response, 400, "approval_delegation_invalid")
    response = _delegate(scene.c["anna"], scene.deputy, days=(5, 1))
    assert_api_error(response, 400, "approval_delegation_invalid")
    response = _delegate(scene.c["anna"], scene.deputy, days=(-9, -2))
    assert_api_error(response, 400, "approval_delegation_invalid")


def test_inbox_overdue_first_then_by_deadline(scene):
    soon = make_document(scene.owner, name="Скоро")
    later = make_document(scene.owner, name="Позже")
    overdue = make_document(scene.owner, name="Просрочено")
    for document, hours in ((later, 72), (soon, 24), (overdue, 1)):
        body = route_body([scene.anna])
        body["stages"][0]["duration_hours"] = hours
        assert start(scene.c["owner"], document, body).status_code == 201
    listed = scene.c["anna"].get("/api/v1/approvals/inbox").json()["results"]
    assert [t["document_name"] for t in listed] == ["Просрочено", "Скоро", "Позже"]
    with clock.frozen(clock.now() + dt.timedelta(hours=2)):
        tasks = inbox(scene.anna)
    assert [(t["document_name"], t["overdue"]) for t in tasks] == [
        ("Просрочено", True),
        ("Скоро", False),
        ("Позже", False),
    ]
    assert tasks[0]["link"] == f"/documents/{overdue.pk}"
    # Boris, on no route, waits for nothing.
    assert scene.c["boris"].get("/api/v1/approvals/inbox").json()["results"] == []


def test_a_deputy_of_today_hears_of_the_route(scene):
    from tests.helpers.events import capture_events

    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    _delegate(scene.c["boris"], scene.deputy)
    with capture_events() as captured:
        decide(scene.c["anna"], scene.document)
    [(payload, recipients)] = captured.of_type("approval")
    assert payload["step"] == "stage_completed"
    assert recipients == {str(u.pk) for u in (scene.owner, scene.anna, scene.boris, scene.deputy)}


def test_a_deputy_of_another_agency_is_refused(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    response = _delegate(scene.c["anna"], scene.stranger)
    assert_api_error(response, 400, "approval_delegation_invalid")
    assert not DocumentShare.objects.filter(user=scene.stranger).exists()


def test_a_task_on_a_document_the_approver_no_longer_sees_leaves_the_inbox(scene):
    """The owner revokes an approver's viewer share while the route runs: the task (and
    the document's name) goes from their inbox."""
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    assert [t["document_id"] for t in inbox(scene.anna)] == [scene.document.pk]
    share = DocumentShare.objects.get(document=scene.document, user=scene.anna)
    response = scene.c["owner"].delete(f"/api/v1/documents/{scene.document.pk}/shares/{share.pk}")
    assert response.status_code == 204
    assert inbox(scene.anna) == []
    assert scene.c["anna"].get("/api/v1/approvals/inbox").json()["results"] == []
