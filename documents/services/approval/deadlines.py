"""Deadlines: reminders before a stage's deadline and escalation once it has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F

from documents import selectors_approval as selectors
from documents.models import ApprovalRoute, ApprovalStage
from documents.services.approval.common import announce, message_data, people_tell
from portal import clock
from portal.audit.services import record

# A reminder goes this long before the deadline, or half-way through a shorter stage.
REMIND_BEFORE = dt.timedelta(hours=24)
BATCH = 500


def _remind_at(stage: ApprovalStage) -> dt.datetime:
    assert stage.deadline_at is not None and stage.started_at is not None
    span = stage.deadline_at - stage.started_at
    return stage.deadline_at - min(REMIND_BEFORE, span / 2)


def approval_deadlines_check() -> dict[str, int]:
    """For each active stage of a running route (of a document not in the bin): once its
    reminder time has come (before the deadline), remind the approvers who have not
    decided (and their deputies of today); once the deadline has passed, escalate to the
    stage's manager (or, without one, to whoever started the route). Each happens once
    per activation of the stage (``reminded_at``, ``escalated_at``, set under the stage's
    row lock, so two workers never send one twice). Returns how many of each were sent."""
    now = clock.now()
    candidates = (
        ApprovalStage.objects.filter(
            route__status=ApprovalRoute.Status.RUNNING,
            route__current_stage=F("number"),
            route__document__deleted_at__isnull=True,
            started_at__isnull=False,
            completed_at__isnull=True,
            escalated_at__isnull=True,
            deadline_at__lte=now + REMIND_BEFORE,
        )
        .order_by("deadline_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = {"reminders": 0, "escalations": 0}
    for pk in list(candidates):
        with transaction.atomic():
            stage = (
                ApprovalStage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("route", "route__document", "route__started_by", "manager")
                .filter(pk=pk, completed_at__isnull=True, escalated_at__isnull=True)
                .first()
            )
            if stage is None or stage.route.status != ApprovalRoute.Status.RUNNING:
                continue
            sent_now = _check(stage, now)
            for key in sent_now:
                sent[key] += 1
    return sent


def _check(stage: ApprovalStage, now: dt.datetime) -> list[str]:
    route = stage.route
    pending = selectors.pending_approver_ids(stage)
    done = []
    if stage.reminded_at is None and _remind_at(stage) <= now:
        stage.reminded_at = now
        stage.save(update_fields=["reminded_at"])
        if now < stage.deadline_at:  # type: ignore[operator]
            deputies = [d for ids in selectors.deputies_of(pending).values() for d in ids]
            concerned = {*pending, *deputies}
            data = message_data(route, "reminder", stage=stage.number,
                                deadline_at=_iso(stage.deadline_at))  # fmt: skip
            announce("update", route, step="reminder", only=concerned)
            people_tell(route, None, concerned, data)
            record("approval.reminder", target=route.document,
                   details={"route": str(route.pk), "stage": stage.number,
                            "to": sorted(str(u) for u in concerned)})  # fmt: skip
            done.append("reminders")
    if stage.deadline_at is not None and stage.deadline_at <= now:
        stage.escalated_at = now
        stage.save(update_fields=["escalated_at"])
        target = stage.manager_id or route.started_by_id
        if target is not None:
            data = message_data(route, "escalation", stage=stage.number,
                                deadline_at=_iso(stage.deadline_at))  # fmt: skip
            announce("update", route, step="escalation", only=[target])
            people_tell(route, None, [target], data)
        record("approval.escalation", target=route.document,
               details={"route": str(route.pk), "stage": stage.number,
                        "to": str(target) if target else None,
                        "pending": sorted(str(u) for u in pending)})  # fmt: skip
        done.append("escalations")
    return done


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
