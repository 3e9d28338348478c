"""Approvers named by a rule of the org tree: "the head of department X" (a department id)
or "the head of the author's department" (``author``: the department of whoever made the
document). A rule is checked when a route or template is saved (a department of the
agency), resolved to a person when the route starts — a department without a head is an
error then, before anything is written — and resolved again each time its stage starts,
so a stage reaches whoever heads the department by then (docs/documents.md, "Approval")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from documents.exceptions import DepartmentHeadMissing
from documents.models import ApprovalApprover, ApprovalStage, Document
from portal.accounts.models import Department, User
from portal.ids import as_uuid

AUTHOR = "author"


@dataclass(frozen=True)
class Slot:
    """One approver of a stage as it will be written: the person and the rule (if any)
    that named them."""

    user_id: str
    department_id: str | None = None
    author: bool = False


def head_rules_check(rules: Any, *, agency_id: Any) -> tuple[list[str], list[str]]:
    """``rules`` as given (a list of ``author`` or department ids), normalised, and the
    problems found: not a list, a duplicate, or a department not of ``agency_id``."""
    if rules is None:
        return [], []
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        return [], [_('A list of "author" or department ids.')]
    normal = [AUTHOR if r == AUTHOR else str(as_uuid(r) or r) for r in rules]
    problems = []
    if len(set(normal)) != len(normal):
        problems.append(_("Each department once."))
    ids = [r for r in normal if r != AUTHOR]
    known = {
        str(pk)
        for pk in Department.objects.filter(
            pk__in=[as_uuid(i) for i in ids if as_uuid(i) is not None], agency_id=agency_id
        ).values_list("pk", flat=True)
    }
    unknown = [i for i in ids if i not in known]
    if unknown:
        problems.append(_("Unknown departments: %(ids)s.") % {"ids": ", ".join(unknown)})
    return normal, problems


def _head(department: Department | None, agency_id: Any) -> User | None:
    head = department.head if department is not None else None
    if head is None or not head.is_active or head.is_bot or head.agency_id != agency_id:
        return None
    return head


def _department_of(rule: str, document: Document) -> Department | None:
    if rule == AUTHOR:
        if document.created_by_id is None:
            return None
        author = (
            User.objects.select_related("department__head")
            .filter(pk=document.created_by_id)
            .first()
        )
        return author.department if author is not None else None
    return Department.objects.select_related("head").filter(pk=rule).first()


def head_slots(
    stages: list[tuple[list[str], list[str]]], *, document: Document
) -> list[list[Slot]]:
    """The approvers of each stage (its ``approver_ids`` and ``head_of`` rules, in that
    order) with every rule resolved to the department's head now. A head who is already an
    approver of the stage is not added twice. ``DepartmentHeadMissing`` lists every rule
    whose department has no active head (or an author in no department)."""
    missing: list[dict[str, Any]] = []
    result: list[list[Slot]] = []
    for number, (approver_ids, rules) in enumerate(stages, start=1):
        slots = [Slot(user_id=str(a)) for a in approver_ids]
        for rule in rules:
            department = _department_of(rule, document)
            head = _head(department, document.agency_id)
            if head is None:
                missing.append({
                    "stage": number, "head_of": rule,
                    "department_id": str(department.pk) if department else None,
                    "department": department.name if department else None,
                })  # fmt: skip
                continue
            if any(s.user_id == str(head.pk) for s in slots):
                continue
            slots.append(
                Slot(
                    user_id=str(head.pk),
                    department_id=None if rule == AUTHOR else str(department.pk),  # type: ignore[union-attr]
                    author=rule == AUTHOR,
                )
            )
        result.append(slots)
    if missing:
        raise DepartmentHeadMissing(missing=missing)
    return result


def stage_heads_refresh(stage: ApprovalStage, document: Document) -> list[Any]:
    """Resolve the stage's head rules again as it starts: a place whose department is now
    headed by someone else (active, of the agency, not already an approver of the stage)
    passes to them. A department left without a head keeps the head found before, so a
    running route never stalls. Returns the ids of the people who came in."""
    placed = list(
        ApprovalApprover.objects.filter(
            Q(head_of_author=True) | Q(head_of_department__isnull=False), stage=stage
        ).order_by("position")
    )
    if not placed:
        return []
    taken = set(ApprovalApprover.objects.filter(stage=stage).values_list("user_id", flat=True))
    came: list[Any] = []
    for approver in placed:
        rule = AUTHOR if approver.head_of_author else str(approver.head_of_department_id)
        head = _head(_department_of(rule, document), document.agency_id)
        if head is None or head.pk == approver.user_id or head.pk in taken:
            continue
        taken.discard(approver.user_id)
        taken.add(head.pk)
        approver.user = head
        approver.save(update_fields=["user"])
        came.append(head.pk)
    return came
