"""A new version while a route runs: ``restart`` takes the route back to stage 1 on the new
version (earlier decisions kept, void); ``refuse`` refuses the version (409)."""

from __future__ import annotations

import pytest

from documents.exceptions import DocumentInApproval
from documents.models import ApprovalDecision, Version
from tests.documents.approval_fixtures import add_version, decide, route_body, scene, start
from tests.helpers.api import assert_api_error
from tests.helpers.events import capture_events

__all__ = ["scene"]


def test_restart_goes_back_to_stage_one_on_the_new_version(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna], [scene.boris]))
    decide(scene.c["anna"], scene.document)
    with capture_events() as captured:
        version = add_version(scene.document, scene.owner)
    [(payload, recipients)] = captured.of_type("approval")
    assert payload["step"] == "restarted"
    assert recipients == {str(scene.owner.pk), str(scene.anna.pk), str(scene.boris.pk)}

    route = scene.c["owner"].get(f"/api/v1/documents/{scene.document.pk}/route").json()
    assert route["current_stage"] == 1 and route["cycle"] == 2
    assert route["version"] == {"id": str(version.pk), "number": 2, "sha256": version.sha256}
    assert [(d["decision"], d["void"], d["version_number"]) for d in route["decisions"]] == [
        ("approve", True, 1)
    ]
    assert [a["decision"] for a in route["stages"][0]["approvers"]] == [None]
    assert route["stages"][1]["started_at"] is None

    # Anna decides again, on version 2 this time; then Boris, and it is registered.
    assert decide(scene.c["anna"], scene.document).status_code == 200
    route = decide(scene.c["boris"], scene.document).json()
    assert route["status"] == "registered"
    signed = ApprovalDecision.objects.filter(route_id=route["id"]).order_by("id")
    assert [d.version_sha256 for d in signed] == [
        Version.objects.get(document=scene.document, number=n).sha256 for n in (1, 2, 2)
    ]


def test_refuse_refuses_new_versions_while_the_route_runs(scene):
    body = route_body([scene.anna], on_new_version="refuse")
    start(scene.c["owner"], scene.document, body)
    with pytest.raises(DocumentInApproval) as caught:
        add_version(scene.document, scene.owner)
    assert caught.value.code == "document_in_approval" and caught.value.status == 409
    assert scene.document.versions.count() == 1  # rolled back

    # Once the route has ended, versions are taken again.
    decide(scene.c["anna"], scene.document, "return", "Доработать")
    assert add_version(scene.document, scene.owner).number == 2


def test_a_new_version_without_a_running_route_changes_nothing(scene):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    scene.c["owner"].post(f"/api/v1/documents/{scene.document.pk}/route/cancel")
    with capture_events() as captured:
        add_version(scene.document, scene.owner)
    assert captured.of_type("approval") == []


def test_an_upload_over_rest_while_refusing_is_409(scene):
    from django.core.files.uploadedfile import SimpleUploadedFile

    start(scene.c["owner"], scene.document, route_body([scene.anna], on_new_version="refuse"))
    upload = SimpleUploadedFile("v2.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf")
    response = scene.c["owner"].post(
        f"/api/v1/documents/{scene.document.pk}/versions", {"file": upload}, format="multipart"
    )
    assert_api_error(response, 409, "document_in_approval")
    assert scene.document.versions.count() == 1
