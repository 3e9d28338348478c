"""Department heads as approvers: a stage names "the head of department X" or "the head of
the author's department"; the head is found from the org tree when the route starts and
again when the stage starts; a department without a head is a clear error at the start,
with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from documents.models import ApprovalApprover, ApprovalRoute, Document, DocumentShare
from messaging.models import Message
from portal.accounts.exceptions import OrgInvalid
from portal.accounts.models import Department, User
from portal.accounts.services.org import department_save
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from tests.documents.approval_fixtures import decide, make_document, scene, start
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.api import assert_api_error
from tests.helpers.events import capture_events

__all__ = ["scene"]


def _department(agency: Any, name: str, head: User | None, parent: Any = None) -> Department:
    return department_save(
        actor=None, department=None, agency=agency, parent=parent, name=name, head=head,
        context=RequestContext(),
    )  # fmt: skip


def _set_head(department: Department, head: User | None) -> None:
    department_save(
        actor=None, department=department, agency=department.agency, parent=department.parent,
        name=department.name, head=head, context=RequestContext(),
    )  # fmt: skip


def _stage(*, approvers: list[User] = (), heads: list[str] = (), mode: str = "all") -> dict:  # type: ignore[assignment]
    return {
        "approver_ids": [str(u.pk) for u in approvers],
        "head_of": list(heads),
        "mode": mode,
        "duration_hours": 24,
    }


def _body(*stages: dict) -> dict:
    return {"stages": list(stages), "on_new_version": "restart"}


@pytest.fixture
def org(scene):
    """Legal (head: anna) with the owner in it; Finance (head: boris)."""
    legal = _department(scene.agency, "Юридический отдел", scene.anna)
    finance = _department(scene.agency, "Финансовый отдел", scene.boris)
    User.objects.filter(pk=scene.owner.pk).update(department=legal)
    scene.legal, scene.finance = legal, finance
    return scene


def test_head_of_a_department_and_of_the_authors_department(org):
    response = start(
        org.c["owner"], org.document,
        _body(_stage(heads=["author"]), _stage(heads=[str(org.finance.pk)])),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    route = response.json()
    assert [(a["id"], a["head_of"]) for s in route["stages"] for a in s["approvers"]] == [
        (str(org.anna.pk), "author"),
        (str(org.boris.pk), str(org.finance.pk)),
    ]
    # The heads see the document (a viewer share) and decide in turn, to Registered.
    assert {s.user_id for s in DocumentShare.objects.filter(document=org.document)} == {
        org.anna.pk, org.boris.pk,
    }  # fmt: skip
    assert decide(org.c["anna"], org.document).status_code == 200
    final = decide(org.c["boris"], org.document).json()
    assert final["status"] == "registered"


def test_a_new_head_by_the_time_the_stage_starts_takes_the_place(org):
    start(
        org.c["owner"], org.document,
        _body(_stage(approvers=[org.vera]), _stage(heads=[str(org.finance.pk)])),
    )  # fmt: skip
    # Finance gets a new head while stage 1 runs.
    _set_head(org.finance, org.signer)
    with capture_events() as captured:
        response = decide(org.c["vera"], org.document)
    assert response.status_code == 200, response.content
    stage2 = response.json()["stages"][1]
    assert [(a["id"], a["head_of"]) for a in stage2["approvers"]] == [
        (str(org.signer.pk), str(org.finance.pk))
    ]
    # The new head is given access as the stage starts (a share event to them among others).
    shares = [p for p, users in captured.of_type("document_share") if str(org.signer.pk) in users]
    assert [p["share"]["grantee"]["id"] for p in shares] == [str(org.signer.pk)]
    # The former head is no approver any more; the new one decides.
    assert_api_error(decide(org.c["boris"], org.document), 403, "approval_not_approver")
    assert decide(org.c["signer"], org.document).json()["status"] == "registered"


def test_a_department_left_without_a_head_keeps_the_head_found_at_the_start(org):
    start(
        org.c["owner"], org.document,
        _body(_stage(approvers=[org.vera]), _stage(heads=[str(org.finance.pk)])),
    )  # fmt: skip
    _set_head(org.finance, None)
    response = decide(org.c["vera"], org.document)
    assert [a["id"] for a in response.json()["stages"][1]["approvers"]] == [str(org.boris.pk)]
    assert decide(org.c["boris"], org.document).json()["status"] == "registered"


def test_a_head_who_is_already_an_approver_of_the_stage_is_not_added_twice(org):
    response = start(
        org.c["owner"], org.document,
        _body(_stage(approvers=[org.anna, org.vera], heads=["author", str(org.finance.pk)])),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    approvers = response.json()["stages"][0]["approvers"]
    assert [(a["id"], a["head_of"]) for a in approvers] == [
        (str(org.anna.pk), None),
        (str(org.vera.pk), None),
        (str(org.boris.pk), str(org.finance.pk)),
    ]


def _nothing_written(org: Any, messages_before: int, audit_before: int) -> None:
    assert not ApprovalRoute.objects.filter(document=org.document).exists()
    assert not ApprovalApprover.objects.exists()
    assert not DocumentShare.objects.filter(document=org.document).exists()
    org.document.refresh_from_db()
    assert org.document.status == Document.Status.DRAFT
    assert Message.objects.count() == messages_before
    assert AuditEvent.objects.count() == audit_before


def test_no_head_is_a_clear_error_when_the_route_starts_and_nothing_is_written(org):
    empty = _department(org.agency, "Отдел кадров", None)
    messages_before, audit_before = Message.objects.count(), AuditEvent.objects.count()
    with capture_events() as captured:
        response = start(
            org.c["owner"], org.document,
            _body(_stage(approvers=[org.vera]), _stage(heads=[str(empty.pk)]),
                  _stage(heads=[str(org.finance.pk)])),
        )  # fmt: skip
    error = assert_api_error(response, 400, "approval_department_head_missing")
    assert error["details"]["missing"] == [
        {"stage": 2, "head_of": str(empty.pk), "department_id": str(empty.pk),
         "department": "Отдел кадров"},
    ]  # fmt: skip
    assert captured.events == []
    _nothing_written(org, messages_before, audit_before)


def test_an_inactive_head_counts_as_none(org):
    User.objects.filter(pk=org.boris.pk).update(is_active=False)
    response = start(org.c["owner"], org.document, _body(_stage(heads=[str(org.finance.pk)])))
    assert assert_api_error(response, 400, "approval_department_head_missing")["details"][
        "missing"
    ][0]["department_id"] == str(org.finance.pk)


def test_an_author_in_no_department_is_a_clear_error(scene):
    messages_before, audit_before = Message.objects.count(), AuditEvent.objects.count()
    response = start(scene.c["owner"], scene.document, _body(_stage(heads=["author"])))
    error = assert_api_error(response, 400, "approval_department_head_missing")
    assert error["details"]["missing"] == [
        {"stage": 1, "head_of": "author", "department_id": None, "department": None}
    ]
    _nothing_written(scene, messages_before, audit_before)


def test_the_author_is_the_documents_creator_not_the_starter(org):
    """An editor of another department starts the route: "author" is whoever made it."""
    from documents.services.shares import share_add

    share_add(
        actor=org.owner, document_id=org.document.pk, grantee_kind="user",
        grantee_id=org.manager.pk, role="editor",
    )  # fmt: skip
    User.objects.filter(pk=org.manager.pk).update(department=org.finance)
    response = start(org.c["manager"], org.document, _body(_stage(heads=["author"])))
    assert response.status_code == 201, response.content
    assert response.json()["stages"][0]["approvers"][0]["id"] == str(org.anna.pk)


@pytest.mark.parametrize(
    "head_of",
    [["отдел"], ["author", "author"], "author", [7], ["00000000-0000-0000-0000-000000000000"]],
)
def test_bad_head_rules_are_refused(org, head_of):
    stage = {"head_of": head_of, "mode": "all", "duration_hours": 24}
    response = start(org.c["owner"], org.document, {"stages": [stage], "on_new_version": "restart"})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("approval_route_invalid", "validation_failed")
    assert not ApprovalRoute.objects.exists()


def test_a_department_of_another_agency_is_refused(org):
    other = _department(AgencyFactory.create(), "Чужой отдел", None)
    response = start(org.c["owner"], org.document, _body(_stage(heads=[str(other.pk)])))
    error = assert_api_error(response, 400, "approval_route_invalid")
    assert "stages.0.head_of" in error["details"]


def test_a_stage_needs_someone(org):
    response = start(org.c["owner"], org.document, _body(_stage()))
    error = assert_api_error(response, 400, "approval_route_invalid")
    assert "stages.0.approver_ids" in error["details"]


def test_a_template_keeps_head_rules_and_routes_resolve_them(org):
    created = org.c["owner"].post(
        "/api/v1/approval-templates",
        {"name": "Через начальника", "stages": [_stage(heads=["author"])]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["stages"][0]["head_of"] == ["author"]
    # Another author of another department: the same template reaches their head.
    writer = UserFactory.create(agency=org.agency, department=org.finance)
    from tests.helpers.api import api_client

    document = make_document(writer, name="Справка")
    response = api_client(writer).post(
        f"/api/v1/documents/{document.pk}/route",
        {"template_id": created.json()["id"], "on_new_version": "refuse"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["stages"][0]["approvers"][0]["id"] == str(org.boris.pk)


def test_the_head_must_be_an_active_person_of_the_agency(scene):
    with pytest.raises(OrgInvalid) as raised:
        _department(scene.agency, "Отдел", scene.stranger)
    assert raised.value.details == {"field": "head", "reason": "head_invalid"}
    assert not Department.objects.filter(name="Отдел").exists()
