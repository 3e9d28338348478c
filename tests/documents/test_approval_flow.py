"""The approval route through REST: two stages to Registered, modes, reject and return,
cancel, and the bad inputs (twice, out of turn, unseen, no comment)."""

from __future__ import annotations

import pytest

from documents.models import ApprovalDecision, Document, DocumentShare, RegistrationJournal
from messaging.models import Message, Notification
from portal import clock
from tests.documents.approval_fixtures import (
    decide,
    group_with,
    make_document,
    route_body,
    scene,
    start,
)
from tests.helpers.api import assert_api_error
from tests.helpers.events import capture_events

__all__ = ["scene"]


def test_two_stages_to_registered_with_number(scene):
    response = start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    assert response.status_code == 201, response.content
    route = response.json()
    assert route["status"] == "running" and route["current_stage"] == 1
    assert route["version"]["sha256"] == scene.document.current_version.sha256
    assert [s["approvers"][0]["id"] for s in route["stages"]] == [
        str(scene.anna.pk),
        str(scene.boris.pk),
    ]
    scene.document.refresh_from_db()
    assert scene.document.status == Document.Status.IN_APPROVAL

    response = decide(scene.c["anna"], scene.document, "approve", "Согласовано")
    assert response.status_code == 200, response.content
    assert response.json()["current_stage"] == 2
    response = decide(scene.c["boris"], scene.document)
    assert response.status_code == 200, response.content
    route = response.json()
    year = clock.now().year
    assert route["status"] == "registered" and route["current_stage"] is None
    assert route["document"]["status"] == "registered"
    assert route["document"]["registration_number"] == f"01-15/{year}-000001"
    assert [d["decision"] for d in route["decisions"]] == ["approve", "approve"]
    scene.document.refresh_from_db()
    assert scene.document.registration_number == f"01-15/{year}-000001"
    assert scene.document.registered_at is not None
    assert RegistrationJournal.objects.get(agency=scene.agency).next_number == 2

    assert_api_error(start(scene.c["owner"], scene.document, route_body([scene.anna])), 409,
                     "document_registered")  # fmt: skip

    # The next registered document takes the next number.
    second = make_document(scene.owner, name="Служебная записка")
    assert start(scene.c["owner"], second, route_body([scene.vera])).status_code == 201
    assert decide(scene.c["vera"], second).json()["document"]["registration_number"] == (
        f"01-15/{year}-000002"
    )


def test_approvers_see_the_document_through_a_viewer_share(scene):
    assert scene.c["anna"].get(f"/api/v1/documents/{scene.document.pk}/route").status_code == 404
    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    shares = DocumentShare.objects.filter(document=scene.document)
    assert {(s.user_id, s.role) for s in shares} == {
        (scene.anna.pk, "viewer"),
        (scene.boris.pk, "viewer"),
    }
    response = scene.c["boris"].get(f"/api/v1/documents/{scene.document.pk}/route")
    assert response.status_code == 200
    assert scene.c["outsider"].get(f"/api/v1/documents/{scene.document.pk}/route").status_code == (
        404
    )


def test_mode_any_first_approval_completes_the_stage(scene):
    body = route_body([scene.anna, scene.boris], [scene.vera], mode="any")
    start(scene.c["owner"], scene.document, body)
    route = decide(scene.c["boris"], scene.document).json()
    assert route["current_stage"] == 2
    assert route["stages"][0]["completed_at"] is not None
    # Anna's stage is over: it is not her turn any more.
    assert_api_error(decide(scene.c["anna"], scene.document), 409, "approval_not_your_turn")


def test_mode_all_waits_for_every_approver(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna, scene.boris], [scene.vera]))
    assert decide(scene.c["anna"], scene.document).json()["current_stage"] == 1
    route = decide(scene.c["boris"], scene.document).json()
    assert route["current_stage"] == 2
    assert [a["decision"] for a in route["stages"][0]["approvers"]] == ["approve", "approve"]


def test_signer_signs_after_the_last_stage(scene):
    body = route_body([scene.anna], signer_id=str(scene.signer.pk))
    route = start(scene.c["owner"], scene.document, body).json()
    assert [s["kind"] for s in route["stages"]] == ["approval", "signature"]
    assert decide(scene.c["anna"], scene.document).json()["status"] == "running"
    assert decide(scene.c["signer"], scene.document).json()["status"] == "registered"


def test_approving_twice_is_refused(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna, scene.boris], [scene.vera]))
    assert decide(scene.c["anna"], scene.document).status_code == 200
    assert_api_error(decide(scene.c["anna"], scene.document), 409, "approval_already_decided")
    decide(scene.c["boris"], scene.document)
    # On stage 2 now: stage 1's approvers have decided already.
    assert_api_error(decide(scene.c["anna"], scene.document), 409, "approval_already_decided")
    assert ApprovalDecision.objects.filter(approver=scene.anna).count() == 1


def test_approving_out_of_turn_is_refused(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    error = assert_api_error(
        decide(scene.c["boris"], scene.document), 409, "approval_not_your_turn"
    )
    assert error["details"] == {"current_stage": 1}
    assert not ApprovalDecision.objects.exists()


def test_a_viewer_who_is_no_approver_is_refused(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    # The owner sees the document but approves nothing on this route.
    assert_api_error(decide(scene.c["owner"], scene.document), 403, "approval_not_approver")


def test_approving_a_document_you_cannot_see_is_not_found(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    assert_api_error(decide(scene.c["outsider"], scene.document), 404, "document_not_found")
    assert not ApprovalDecision.objects.exists()


def test_reject_and_return_need_a_comment_and_end_the_route(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    assert_api_error(decide(scene.c["anna"], scene.document, "reject"), 400,
                     "approval_comment_required")  # fmt: skip
    route = decide(scene.c["anna"], scene.document, "return", "Исправьте реквизиты").json()
    assert route["status"] == "returned" and route["document"]["status"] == "returned"
    assert_api_error(decide(scene.c["boris"], scene.document), 409, "approval_route_not_running")

    # The author starts again (a new route), and this time it is rejected.
    assert start(scene.c["owner"], scene.document, route_body([scene.anna])).status_code == 201
    route = decide(scene.c["anna"], scene.document, "reject", "Не по форме").json()
    assert route["status"] == "rejected"
    scene.document.refresh_from_db()
    assert scene.document.status == Document.Status.REJECTED
    history = scene.c["owner"].get(f"/api/v1/documents/{scene.document.pk}/routes").json()
    assert [r["status"] for r in history["results"]] == ["rejected", "returned"]


def test_only_one_running_route(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    assert_api_error(start(scene.c["owner"], scene.document, route_body([scene.boris])), 409,
                     "approval_route_running")  # fmt: skip


def test_a_viewer_cannot_start_a_route(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    scene.c["owner"].post(f"/api/v1/documents/{scene.document.pk}/route/cancel")
    assert_api_error(start(scene.c["anna"], scene.document, route_body([scene.boris])), 403,
                     "document_role_required")  # fmt: skip


def test_bad_routes_are_refused_with_their_places(scene):
    body = route_body([scene.anna, scene.anna], [scene.stranger])
    body["stages"][1]["due_at"] = "2020-01-01T00:00:00Z"
    error = assert_api_error(start(scene.c["owner"], scene.document, body), 400,
                             "approval_route_invalid")  # fmt: skip
    # a repeated approver; someone of another agency; two deadlines
    assert set(error["details"]) == {
        "stages.0.approver_ids", "stages.1.approver_ids", "stages.1.duration_hours",
    }  # fmt: skip
    response = start(scene.c["owner"], scene.document, {"on_new_version": "restart"})
    assert_api_error(response, 400, "approval_route_invalid")
    response = start(scene.c["owner"], scene.document, {**route_body([scene.anna]), "x": 1})
    assert response.status_code == 400


def test_cancel_by_the_starter_or_an_owner_only(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    response = scene.c["anna"].post(f"/api/v1/documents/{scene.document.pk}/route/cancel")
    assert_api_error(response, 403, "approval_cancel_forbidden")
    response = scene.c["owner"].post(f"/api/v1/documents/{scene.document.pk}/route/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    scene.document.refresh_from_db()
    assert scene.document.status == Document.Status.DRAFT


def test_every_step_is_an_event_to_the_viewers_and_approvers(scene):
    with capture_events() as started:
        start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    events = started.of_type("approval")
    assert len(events) == 1
    payload, recipients = events[0]
    assert (payload["op"], payload["step"]) == ("add", "started")
    assert recipients == {str(scene.owner.pk), str(scene.anna.pk), str(scene.boris.pk)}

    with capture_events() as approved:
        decide(scene.c["anna"], scene.document)
    [(payload, recipients)] = approved.of_type("approval")
    assert (payload["op"], payload["step"]) == ("update", "stage_completed")
    assert recipients == {str(scene.owner.pk), str(scene.anna.pk), str(scene.boris.pk)}

    with capture_events() as registered:
        decide(scene.c["boris"], scene.document)
    [(payload, recipients)] = registered.of_type("approval")
    assert payload["step"] == "registered"
    assert payload["route"]["document"]["registration_number"]
    assert recipients == {str(scene.owner.pk), str(scene.anna.pk), str(scene.boris.pk)}


def test_steps_are_messages_in_the_documents_conversation_and_tasks_reach_approvers(
    scene, django_capture_on_commit_callbacks
):
    group = group_with(scene.owner, scene.vera)
    document = make_document(scene.owner, name="План работ", conversation=group)
    with django_capture_on_commit_callbacks(execute=True):
        start(scene.c["owner"], document, route_body([scene.anna], [scene.boris]))
    in_group = Message.objects.filter(conversation=group, kind=Message.Kind.SYSTEM)
    started = in_group.filter(system__action="approval_started").get()
    assert started.system["document_id"] == str(document.pk)
    assert started.system["name"] == "План работ"
    assert started.system["link"] == f"/documents/{document.pk}"

    # Anna's task reached her personally, in her direct chat with the owner, and as a
    # notification (no device of hers is connected).
    task = Message.objects.get(system__action="approval_task", conversation__kind="direct")
    assert set(task.conversation.memberships.values_list("user_id", flat=True)) == {
        scene.owner.pk,
        scene.anna.pk,
    }
    assert task.system["stage"] == 1 and task.system["task"] is True
    assert Notification.objects.filter(user=scene.anna, message=task).exists()

    with django_capture_on_commit_callbacks(execute=True):
        decide(scene.c["anna"], document)
        decide(scene.c["boris"], document)
    approval = in_group.filter(system__has_key="action").order_by("seq")
    actions = list(approval.values_list("system__action", flat=True))
    assert actions == [
        "approval_started",
        "approval_stage_completed",
        "approval_registered",
    ]
    # Boris's task came from Anna, who completed the stage before his.
    assert Message.objects.filter(
        system__action="approval_task", author=scene.anna, conversation__kind="direct"
    ).exists()
    # The owner hears of the registration personally, from Boris.
    assert Notification.objects.filter(
        user=scene.owner, message__system__action="approval_registered"
    ).exists()


@pytest.mark.parametrize("decision", ["approve", "reject", "return"])
def test_each_decision_is_audited(scene, decision):
    from portal.audit.models import AuditEvent

    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    decide(scene.c["anna"], scene.document, decision, "Комментарий")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"approval.started", f"approval.{decision}"} <= actions


def test_cancel_is_an_event_to_the_same_people(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    with capture_events() as captured:
        scene.c["owner"].post(f"/api/v1/documents/{scene.document.pk}/route/cancel")
    [(payload, recipients)] = captured.of_type("approval")
    assert (payload["op"], payload["step"], payload["route"]["status"]) == (
        "update",
        "cancelled",
        "cancelled",
    )
    assert recipients == {str(scene.owner.pk), str(scene.anna.pk), str(scene.boris.pk)}
    [(update, _users)] = captured.of_type("document")
    assert update["document"]["status"] == "draft"


def test_a_route_names_people_of_the_documents_agency_only(scene):
    """A route shares the document with everyone it names: a user of another agency as
    approver, manager or signer is refused, and nothing is shared or started."""
    stranger = scene.stranger
    managed = route_body([scene.anna])
    managed["stages"][0]["manager_id"] = str(stranger.pk)
    for body in (
        route_body([scene.anna, stranger]),
        route_body([scene.anna], signer_id=str(stranger.pk)),
        managed,
    ):
        response = start(scene.c["owner"], scene.document, body)
        assert_api_error(response, 400, "approval_route_invalid")
    assert not DocumentShare.objects.filter(user=stranger).exists()
    assert scene.c["owner"].get(f"/api/v1/documents/{scene.document.pk}/route").status_code == 404
