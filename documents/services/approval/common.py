"""What the approval services share: checking a route's stages, giving the people a route
names access to its document, and telling people (events, chat messages, notifications)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from documents import selectors_approval as selectors
from documents.events.approval import approval_event
from documents.events.files import document_audience, share_event
from documents.exceptions import InvalidRoute
from documents.models import ApprovalRoute, ApprovalStage, Document, DocumentShare, Role
from documents.selectors import document_role
from documents.services.approval.heads import head_rules_check, stage_heads_refresh
from documents.signals import access_changed
from messaging.models import Conversation
from messaging.services.common import system_message
from messaging.services.conversations import direct_conversation
from messaging.services.notifications import notifications_for_message
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction
from portal.ids import as_uuid
from portal.realtime import publish

MAX_STAGES = 20
MAX_APPROVERS = 50
MAX_DURATION_HOURS = 24 * 365
MAX_COMMENT_CHARS = 4000


@dataclass(frozen=True)
class StageSpec:
    """One stage as checked: approvers in order, the head rules (``heads``: ``author`` or
    department ids, resolved when the route starts), mode, a duration or a due time."""

    approver_ids: list[Any]
    heads: list[str]
    mode: str
    duration: dt.timedelta | None
    due_at: dt.datetime | None
    manager_id: Any


def _users(ids: Iterable[Any], agency_id: Any) -> dict[str, User]:
    valid = [pk for pk in (as_uuid(i) for i in ids) if pk is not None]
    rows = User.objects.filter(pk__in=valid, agency_id=agency_id, is_active=True, is_bot=False)
    return {str(u.pk): u for u in rows}


def stages_check(
    stages: list[dict[str, Any]],
    *,
    agency_id: Any,
    signer_id: Any = None,
    allow_due_at: bool = True,
) -> list[StageSpec]:
    """The stages of a route or template as given (``approver_ids``, ``head_of``, ``mode``,
    ``duration_hours`` or ``due_at``, ``manager_id``), checked: 1 to MAX_STAGES stages,
    1 to MAX_APPROVERS distinct active people each (``head_of`` rules count: ``author`` or
    departments of ``agency_id``, resolved later by ``heads.head_slots``), exactly one
    deadline per stage (a due time in the future), managers and the signer active people of
    ``agency_id`` (the document's: a route shares it with everyone it names, and sharing
    stays inside the agency). ``InvalidRoute`` names each problem by its place
    (``stages.1.approver_ids``)."""
    errors: dict[str, list[str]] = {}
    if not 1 <= len(stages) <= MAX_STAGES:
        errors["stages"] = [_("From 1 to %(n)d stages.") % {"n": MAX_STAGES}]
    mentioned = [signer_id] if signer_id else []
    for stage in stages:
        if isinstance(stage, dict) and isinstance(stage.get("approver_ids"), list):
            mentioned += stage["approver_ids"]
        if isinstance(stage, dict) and stage.get("manager_id"):
            mentioned.append(stage["manager_id"])
    # Only people of the agency: a route names them and shares the document with them.
    known = _users(mentioned, agency_id)
    now = clock.now()
    specs = []
    for index, stage in enumerate(stages[:MAX_STAGES]):
        where = f"stages.{index}"
        if not isinstance(stage, dict) or not isinstance(stage.get("approver_ids", []), list):
            errors[where] = [_("An object with a list of approver_ids.")]
            continue
        approvers = [str(a) for a in stage.get("approver_ids", [])]
        heads, head_problems = head_rules_check(stage.get("head_of"), agency_id=agency_id)
        if head_problems:
            errors[f"{where}.head_of"] = head_problems
        count = len(approvers) + len(heads)
        if not 1 <= count <= MAX_APPROVERS or len(set(approvers)) != len(approvers):
            errors[f"{where}.approver_ids"] = [
                _("From 1 to %(n)d different people.") % {"n": MAX_APPROVERS}
            ]
        unknown = [a for a in approvers if a not in known]
        if unknown:
            errors[f"{where}.approver_ids"] = [_("Unknown or inactive users: %(ids)s.") % {
                "ids": ", ".join(unknown)}]  # fmt: skip
        mode = stage.get("mode", ApprovalStage.Mode.ALL)
        if mode not in ApprovalStage.Mode.values:
            errors[f"{where}.mode"] = [_("all or any.")]
        hours, due_at = stage.get("duration_hours"), stage.get("due_at")
        if not allow_due_at and due_at is not None:
            errors[f"{where}.due_at"] = [_("A template gives durations, not due times.")]
        elif (hours is None) == (due_at is None):
            errors[f"{where}.duration_hours"] = [_("Give either duration_hours or due_at.")]
        elif hours is not None and (
            isinstance(hours, bool)
            or not isinstance(hours, int)
            or not 1 <= hours <= MAX_DURATION_HOURS
        ):
            errors[f"{where}.duration_hours"] = [
                _("From 1 to %(n)d hours.") % {"n": MAX_DURATION_HOURS}
            ]
        elif due_at is not None and due_at <= now:
            errors[f"{where}.due_at"] = [_("A time in the future.")]
        manager = stage.get("manager_id")
        if manager is not None and str(manager) not in known:
            errors[f"{where}.manager_id"] = [_("Unknown or inactive user.")]
        specs.append(
            StageSpec(
                approver_ids=approvers,
                heads=heads,
                mode=mode,
                duration=dt.timedelta(hours=hours) if hours is not None else None,
                due_at=due_at,
                manager_id=str(manager) if manager is not None else None,
            )
        )
    if signer_id is not None and str(signer_id) not in known:
        errors["signer_id"] = [_("Unknown or inactive user.")]
    if errors:
        raise InvalidRoute(None, **errors)
    return specs


def stage_activate(stage: ApprovalStage, route: ApprovalRoute) -> None:
    """Make ``stage`` the route's active one from now: its deadline computed, its reminder
    and escalation not yet sent; its head rules resolved again (a new head comes in); its
    new approvers and its approvers' deputies of today given access."""
    now = clock.now()
    newcomers = stage_heads_refresh(stage, route.document)
    stage.started_at = now
    stage.deadline_at = stage.due_at if stage.due_at else now + (stage.duration or dt.timedelta())
    stage.completed_at = stage.reminded_at = stage.escalated_at = None
    stage.save(
        update_fields=["started_at", "deadline_at", "completed_at", "reminded_at", "escalated_at"]
    )
    route.current_stage = stage.number
    approvers = list(stage.approvers.values_list("user_id", flat=True))
    deputies = [d for ids in selectors.deputies_of(approvers).values() for d in ids]
    viewers_grant(route.document, [*newcomers, *deputies], actor=route.started_by)


def viewers_grant(document: Document, user_ids: Iterable[Any], *, actor: User | None) -> int:
    """Give each of ``user_ids`` who holds no role on ``document`` a viewer share (the
    people a route names must see what they decide on), announced as any share is
    (``document_share.add`` to the document's audience, the grantee included). Returns
    how many were added; after commit, ``access_changed`` tells the other parts.
    Precondition: the document row is locked."""
    require_transaction("viewers_grant")
    ids = list(dict.fromkeys(str(u) for u in user_ids))
    if not ids:
        return 0
    now = clock.now()
    added = 0
    for user in User.objects.filter(pk__in=ids, is_active=True).select_related("department"):
        if document_role(user, document) is not None:
            continue
        share = DocumentShare.objects.create(
            document=document, role=Role.VIEWER, user=user, created_by=actor, created_at=now
        )
        payload, audience = share_event("add", share, audience=document_audience(document))
        publish(payload, user_ids=audience)
        added += 1
    if added:
        document_id = document.pk
        transaction.on_commit(lambda: access_changed.send(sender=Document, document_id=document_id))
    return added


def announce(
    op: str, route: ApprovalRoute, *, step: str, only: Iterable[Any] | None = None
) -> None:
    """Publish the step's event to its recipients (inside the service's transaction)."""
    payload, recipients = approval_event(op, route, step=step, only=only)
    publish(payload, user_ids=recipients)


def message_data(route: ApprovalRoute, step: str, **extra: Any) -> dict[str, Any]:
    document = route.document
    data = {
        "action": f"approval_{step}",
        "document_id": str(document.pk),
        "name": document.name,
        "route_id": str(route.pk),
        "link": f"/documents/{document.pk}",
    }
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def conversations_tell(route: ApprovalRoute, actor: User | None, data: dict[str, Any]) -> None:
    """A system message in each conversation the document lives in (its folder's, those
    it was shared into), rows locked in a fixed order."""
    ids = selectors.document_conversation_ids(route.document)
    for conversation in Conversation.objects.filter(pk__in=ids).order_by("pk").select_for_update():
        system_message(conversation, actor, data)


def person_tell(
    route: ApprovalRoute, actor: User | None, user_id: Any, data: dict[str, Any]
) -> None:
    """A system message to one person concerned, in their direct chat with ``actor`` (or,
    for steps no one took — reminders, escalations — with whoever started the route),
    and a notification if none of their devices is connected. Nobody is told of their own
    step."""
    sender = actor or route.started_by
    if sender is None or str(sender.pk) == str(user_id):
        return
    person = User.objects.filter(pk=user_id, is_active=True, is_bot=False).first()
    if person is None:
        return
    conversation = direct_conversation(actor=sender, other=person)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    message = system_message(conversation, actor, data)
    notifications_for_message(message, mentioned=set(), member_ids=[person.pk])


def people_tell(
    route: ApprovalRoute, actor: User | None, user_ids: Iterable[Any], data: dict[str, Any]
) -> None:
    for user_id in sorted({str(u) for u in user_ids}):
        person_tell(route, actor, user_id, data)


def tasks_tell(route: ApprovalRoute, stage: ApprovalStage, actor: User | None, step: str) -> None:
    """Tell the approvers of a stage that has just become active (and today's deputies of
    each) that a decision of theirs is awaited."""
    approvers = list(stage.approvers.values_list("user_id", flat=True))
    deputies = [d for ids in selectors.deputies_of(approvers).values() for d in ids]
    data = message_data(
        route, step, stage=stage.number, deadline_at=stage.deadline_at.isoformat()
        if stage.deadline_at else None, task=True,
    )  # fmt: skip
    people_tell(route, actor, [*approvers, *deputies], data)
