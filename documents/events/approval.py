"""The approval workflow's realtime events and their recipients (docs/api.md, "Approval").

``{"type": "approval", "op": "add" | "update", "step", "document_id", "route"}``: ``add``
when a route starts, ``update`` for every later step. The services publish them inside
their transaction (``portal.realtime.publish``: stored with the change, delivered after
commit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from documents import selectors_approval as selectors
from documents.events.files import document_audience
from documents.models import ApprovalDecision, ApprovalRoute, ApprovalStage, Document

STEPS = (
    "started", "approved", "stage_completed", "registered", "rejected", "returned",
    "cancelled", "restarted", "reminder", "escalation",
)  # fmt: skip


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _user(user: Any) -> dict[str, Any]:
    return {"id": str(user.pk), "name": str(user)}


def decision_payload(decision: ApprovalDecision, route: ApprovalRoute) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "stage": decision.stage.number,
        "approver": _user(decision.approver),
        "deputy": _user(decision.deputy) if decision.deputy_id else None,
        "decision": decision.decision,
        "comment": decision.comment,
        "version_id": str(decision.version_id),
        "version_number": decision.version.number,
        "version_sha256": decision.version_sha256,
        "decided_at": _iso(decision.decided_at),
        "void": decision.cycle != route.cycle,
        "hash": decision.hash,
    }


def stage_payload(stage: ApprovalStage, decisions: list[ApprovalDecision]) -> dict[str, Any]:
    current = {d.approver_id: d for d in decisions if d.stage_id == stage.pk}
    return {
        "number": stage.number,
        "kind": stage.kind,
        "mode": stage.mode,
        "duration_hours": stage.duration.total_seconds() / 3600 if stage.duration else None,
        "due_at": _iso(stage.due_at),
        "manager_id": str(stage.manager_id) if stage.manager_id else None,
        "started_at": _iso(stage.started_at),
        "deadline_at": _iso(stage.deadline_at),
        "completed_at": _iso(stage.completed_at),
        "approvers": [
            {
                **_user(approver.user),
                "decision": current[approver.user_id].decision
                if approver.user_id in current
                else None,
                "head_of": "author"
                if approver.head_of_author
                else str(approver.head_of_department_id)
                if approver.head_of_department_id
                else None,
            }
            for approver in stage.approvers.all()
        ],
    }


def document_payload(document: Document) -> dict[str, Any]:
    return {
        "id": str(document.pk),
        "name": document.name,
        "status": document.status,
        "registration_number": document.registration_number,
        "registered_at": _iso(document.registered_at),
    }


def route_payload(route: ApprovalRoute) -> dict[str, Any]:
    """A route as REST and events show it (loaded by ``selectors_approval.for_payload``)."""
    decisions = list(route.decisions.all())
    valid = [d for d in decisions if d.cycle == route.cycle]
    return {
        "id": str(route.pk),
        "document": document_payload(route.document),
        "status": route.status,
        "on_new_version": route.on_new_version,
        "cycle": route.cycle,
        "current_stage": route.current_stage or None,
        "version": {
            "id": str(route.version_id),
            "number": route.version.number,
            "sha256": route.version_sha256,
        },
        "template_id": str(route.template_id) if route.template_id else None,
        "started_by": str(route.started_by_id) if route.started_by_id else None,
        "started_at": _iso(route.started_at),
        "finished_at": _iso(route.finished_at),
        "stages": [stage_payload(stage, valid) for stage in route.stages.all()],
        "decisions": [decision_payload(d, route) for d in decisions],
    }


def approval_event(
    op: str, route: ApprovalRoute, *, step: str, only: Iterable[Any] | None = None
) -> tuple[dict[str, Any], set[str]]:
    """The event of one step of ``route`` and its recipients: everyone with a role on the
    document and everyone the route names (approvers, signer, managers, today's deputies);
    with ``only``, just those users (a reminder or an escalation)."""
    assert step in STEPS, step
    fresh = selectors.route_get(route.pk)
    payload = {
        "type": "approval",
        "op": op,
        "step": step,
        "document_id": str(fresh.document_id),
        "route": route_payload(fresh),
    }
    if only is not None:
        return payload, {str(u) for u in only}
    return payload, document_audience(fresh.document) | selectors.route_participant_ids(fresh)
