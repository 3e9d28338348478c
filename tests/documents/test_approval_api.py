"""Every approval endpoint: anonymous 401, outsider 404, permitted; and templates through
the API (any user of the agency creates and uses them, the creator edits and deletes)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from documents.models import ApprovalTemplate
from portal import clock
from tests.documents.approval_fixtures import decide, route_body, scene, start
from tests.helpers.api import api_client, assert_api_error

__all__ = ["scene"]

DOCUMENT_ENDPOINTS = [
    ("get", "/api/v1/documents/{id}/route", None),
    ("post", "/api/v1/documents/{id}/route", "route"),
    ("get", "/api/v1/documents/{id}/routes", None),
    ("post", "/api/v1/documents/{id}/route/decide", {"decision": "approve"}),
    ("post", "/api/v1/documents/{id}/route/cancel", None),
]
LIST_ENDPOINTS = [
    ("get", "/api/v1/approval-templates"),
    ("post", "/api/v1/approval-templates"),
    ("get", "/api/v1/approvals/inbox"),
    ("get", "/api/v1/approval-delegations"),
    ("post", "/api/v1/approval-delegations"),
]


def _template_body(scene, name="Приказы"):
    return {
        "name": name,
        "stages": [
            {"approver_ids": [str(scene.anna.pk)], "mode": "all", "duration_hours": 24},
            {"approver_ids": [str(scene.boris.pk)], "mode": "any", "duration_hours": 48,
             "manager_id": str(scene.manager.pk)},
        ],
        "signer_id": str(scene.signer.pk),
    }  # fmt: skip


def _call(client, method, url, body=None):
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )


@pytest.mark.parametrize(("method", "url", "body"), DOCUMENT_ENDPOINTS)
def test_document_endpoints_anonymous_401_outsider_404(scene, method, url, body):
    start(scene.c["owner"], scene.document, route_body([scene.anna]))
    body = route_body([scene.boris]) if body == "route" else body
    url = url.format(id=scene.document.pk)
    assert_api_error(_call(api_client(), method, url, body), 401, "not_authenticated")
    assert_api_error(_call(scene.c["outsider"], method, url, body), 404, "document_not_found")
    missing = url.replace(str(scene.document.pk), str(uuid.uuid4()))
    assert_api_error(_call(scene.c["owner"], method, missing, body), 404, "document_not_found")


def test_document_endpoints_permitted(scene):
    c, doc = scene.c, scene.document
    assert_api_error(c["owner"].get(f"/api/v1/documents/{doc.pk}/route"), 404, "route_not_found")
    assert c["owner"].get(f"/api/v1/documents/{doc.pk}/routes").json()["results"] == []
    assert start(c["owner"], doc, route_body([scene.anna], [scene.boris])).status_code == 201
    assert c["anna"].get(f"/api/v1/documents/{doc.pk}/route").status_code == 200
    assert len(c["boris"].get(f"/api/v1/documents/{doc.pk}/routes").json()["results"]) == 1
    assert decide(c["anna"], doc).status_code == 200
    assert c["owner"].post(f"/api/v1/documents/{doc.pk}/route/cancel").status_code == 200


@pytest.mark.parametrize(("method", "url"), LIST_ENDPOINTS)
def test_list_endpoints_anonymous_401(scene, method, url):
    assert_api_error(_call(api_client(), method, url, {}), 401, "not_authenticated")


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_template_detail_anonymous_401_outsider_404(scene, method):
    body = _template_body(scene)
    template = scene.c["owner"].post("/api/v1/approval-templates", body, format="json").json()
    url = f"/api/v1/approval-templates/{template['id']}"
    body = {"name": "Другое"} if method == "patch" else None
    assert_api_error(_call(api_client(), method, url, body), 401, "not_authenticated")
    # Someone of another agency does not see it.
    stranger = api_client(scene.stranger)
    assert_api_error(_call(stranger, method, url, body), 404, "approval_template_not_found")


def test_templates_of_the_agency(scene):
    c = scene.c
    response = c["owner"].post("/api/v1/approval-templates", _template_body(scene), format="json")
    assert response.status_code == 201, response.content
    template = response.json()
    assert template["editable"] is True and len(template["stages"]) == 2
    assert template["stages"][1]["manager_id"] == str(scene.manager.pk)

    # Anyone of the agency sees it and may use it, but not change it.
    listed = c["anna"].get("/api/v1/approval-templates").json()["results"]
    assert [(t["id"], t["editable"]) for t in listed] == [(template["id"], False)]
    url = f"/api/v1/approval-templates/{template['id']}"
    assert_api_error(c["anna"].patch(url, {"name": "Моё"}, format="json"), 403,
                     "approval_template_owner_required")  # fmt: skip
    assert_api_error(c["anna"].delete(url), 403, "approval_template_owner_required")
    assert api_client(scene.stranger).get("/api/v1/approval-templates").json()["results"] == []

    # A route from the template: its stages and signer.
    body = {"template_id": template["id"], "on_new_version": "refuse"}
    route = start(c["owner"], scene.document, body).json()
    assert route["template_id"] == template["id"]
    assert [(s["kind"], s["mode"], s["duration_hours"]) for s in route["stages"]] == [
        ("approval", "all", 24.0),
        ("approval", "any", 48.0),
        ("signature", "any", 48.0),
    ]
    assert route["stages"][2]["approvers"][0]["id"] == str(scene.signer.pk)

    changed = c["owner"].patch(url, {"name": "Приказы по кадрам"}, format="json").json()
    assert changed["name"] == "Приказы по кадрам" and changed["stages"] == template["stages"]
    assert c["owner"].delete(url).status_code == 204
    assert not ApprovalTemplate.objects.exists()
    # The route started from it keeps its stages.
    assert len(c["owner"].get(f"/api/v1/documents/{scene.document.pk}/route").json()["stages"]) == 3


def test_bad_templates_are_refused(scene):
    body = _template_body(scene)
    body["stages"][0]["due_at"] = "2030-01-01T00:00:00Z"
    response = scene.c["owner"].post("/api/v1/approval-templates", body, format="json")
    assert response.status_code == 400  # a template gives durations only
    body = _template_body(scene)
    body["stages"][0]["approver_ids"] = [str(uuid.uuid4())]
    response = scene.c["owner"].post("/api/v1/approval-templates", body, format="json")
    error = assert_api_error(response, 400, "approval_route_invalid")
    assert list(error["details"]) == ["stages.0.approver_ids"]
    response = scene.c["owner"].post(
        "/api/v1/approval-templates", {**_template_body(scene), "name": "  "}, format="json"
    )
    assert response.status_code == 400


def test_delegations_endpoint_permitted(scene):
    today = timezone.localdate(clock.now())
    body = {"deputy_id": str(scene.deputy.pk), "from_date": str(today),
            "to_date": str(today + dt.timedelta(days=3))}  # fmt: skip
    created = scene.c["anna"].post("/api/v1/approval-delegations", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["principal"]["id"] == str(scene.anna.pk)
    assert len(scene.c["anna"].get("/api/v1/approval-delegations").json()["results"]) == 1
    assert scene.c["boris"].get("/api/v1/approval-delegations").json()["results"] == []
    url = f"/api/v1/approval-delegations/{created.json()['id']}"
    assert_api_error(scene.c["outsider"].delete(url), 404, "approval_delegation_not_found")
    assert_api_error(api_client().delete(url), 401, "not_authenticated")
    assert scene.c["anna"].delete(url).status_code == 204
