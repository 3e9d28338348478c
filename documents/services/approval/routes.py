"""Routes: start, decide, cancel, restart on a new version, and registration."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from documents import selectors_approval as selectors
from documents.events.files import document_event
from documents.exceptions import (
    AlreadyDecided,
    CommentRequired,
    DocumentAlreadyRegistered,
    DocumentHasNoVersion,
    DocumentInApproval,
    InvalidRoute,
    NotAnApprover,
    NotYourTurn,
    RouteAlreadyRunning,
    RouteCancelForbidden,
    RouteNotFound,
    RouteNotRunning,
)
from documents.models import (
    ApprovalApprover,
    ApprovalDecision,
    ApprovalRoute,
    ApprovalStage,
    Document,
    Role,
    Version,
)
from documents.selectors import access_document, has_role
from documents.services.approval.common import (
    MAX_COMMENT_CHARS,
    StageSpec,
    announce,
    conversations_tell,
    message_data,
    people_tell,
    stage_activate,
    stages_check,
    tasks_tell,
    viewers_grant,
)
from documents.services.approval.heads import Slot, head_slots
from documents.services.approval.journals import registration_number_take
from documents.services.approval.signatures import signature_append
from portal import clock
from portal.accounts.models import User
from portal.audit.services import record
from portal.db import require_transaction
from portal.errors import InvalidInput
from portal.realtime import publish

Decision = ApprovalDecision.Decision


def approval_route_start(
    *,
    actor: User,
    document_id: Any,
    stages: list[dict[str, Any]] | None,
    signer_id: Any = None,
    on_new_version: str,
    template_id: Any = None,
) -> ApprovalRoute:
    """Start a route on a document the actor owns or edits: it approves the current
    version (frozen: the route keeps it and its SHA-256), the document becomes
    ``in_approval``, stage 1 becomes active and everyone the route names is given viewer
    access. ``stages`` (or, when omitted, the template's stages and signer) are checked by
    ``stages_check``; their head rules are resolved to people now
    (``approval_department_head_missing`` if a department has no head, nothing written);
    a signer makes a last, one-person signature stage. At most one route runs per
    document (``approval_route_running``, 409)."""
    if on_new_version not in ApprovalRoute.OnNewVersion.values:
        raise InvalidRoute(on_new_version=[_("restart or refuse.")])
    template = None
    if template_id is not None:
        template = selectors.access_template(actor, template_id)
        if not stages:
            stages = list(template.stages)
            signer_id = signer_id or template.signer_id
    now = clock.now()
    with transaction.atomic():
        document, _role = access_document(actor, document_id, role=Role.EDITOR, for_update=True)
        specs = stages_check(stages or [], agency_id=document.agency_id, signer_id=signer_id)
        if selectors.running_route(document) is not None:
            raise RouteAlreadyRunning()
        if document.status == Document.Status.REGISTERED:
            raise DocumentAlreadyRegistered()
        version = document.current_version
        if version is None:
            raise DocumentHasNoVersion()
        # Heads are found before anything is written: a department without one is an error.
        slots = head_slots([(s.approver_ids, s.heads) for s in specs], document=document)
        route = ApprovalRoute.objects.create(
            document=document, version=version, version_sha256=version.sha256,
            on_new_version=on_new_version, template=template, started_by=actor,
            started_at=now, current_stage=1,
        )  # fmt: skip
        all_stages = _stages_create(route, specs, slots, signer_id)
        people = {slot.user_id for stage_slots in slots for slot in stage_slots}
        people |= {spec.manager_id for spec in specs if spec.manager_id}
        if signer_id:
            people.add(str(signer_id))
        viewers_grant(document, people, actor=actor)
        first = all_stages[0]
        stage_activate(first, route)
        route.save(update_fields=["current_stage"])
        _document_status(document, Document.Status.IN_APPROVAL)
        record(
            "approval.started", actor=actor, target=document,
            details={"route": str(route.pk), "version": version.number,
                     "stages": len(all_stages), "on_new_version": on_new_version},
        )  # fmt: skip
        announce("add", route, step="started")
        conversations_tell(route, actor, message_data(route, "started", stage=1))
        tasks_tell(route, first, actor, "task")
    return selectors.route_get(route.pk)


def _stages_create(
    route: ApprovalRoute, specs: list[StageSpec], slots: list[list[Slot]], signer_id: Any
) -> list[ApprovalStage]:
    created = []
    for number, (spec, stage_slots) in enumerate(zip(specs, slots, strict=True), start=1):
        stage = ApprovalStage.objects.create(
            route=route, number=number, kind=ApprovalStage.Kind.APPROVAL, mode=spec.mode,
            duration=spec.duration, due_at=spec.due_at, manager_id=spec.manager_id,
        )  # fmt: skip
        ApprovalApprover.objects.bulk_create(
            [ApprovalApprover(stage=stage, user_id=slot.user_id, position=i,
                              head_of_department_id=slot.department_id,
                              head_of_author=slot.author)
             for i, slot in enumerate(stage_slots)]
        )  # fmt: skip
        created.append(stage)
    if signer_id:
        last = specs[-1]
        stage = ApprovalStage.objects.create(
            route=route, number=len(specs) + 1, kind=ApprovalStage.Kind.SIGNATURE,
            mode=ApprovalStage.Mode.ANY, duration=last.duration, due_at=last.due_at,
            manager_id=last.manager_id,
        )  # fmt: skip
        ApprovalApprover.objects.create(stage=stage, user_id=signer_id, position=0)
        created.append(stage)
    return created


def _document_status(document: Document, status: str, **fields: Any) -> None:
    """Set the document's status (and registration), announced as any change of it is
    (``document.update`` to its audience)."""
    document.status = status
    document.updated_at = clock.now()
    for name, value in fields.items():
        setattr(document, name, value)
    Document.objects.filter(pk=document.pk).update(
        status=status, updated_at=document.updated_at, **fields
    )
    payload, audience = document_event("update", document)
    publish(payload, user_ids=audience)


def _running_locked(document: Document) -> ApprovalRoute:
    route = selectors.running_route(document, for_update=True)
    if route is None:
        if not document.routes.exists():
            raise RouteNotFound()
        raise RouteNotRunning()
    route.document = document
    return route


def _decider(
    actor: User, route: ApprovalRoute, stage: ApprovalStage, on_behalf_of: Any
) -> tuple[Any, User | None]:
    """Whose decision the actor takes on the current stage: theirs, or (as a deputy
    today) a pending approver's. The errors say why not: decided already, another stage's
    turn, or no approver of this route at all."""
    approvers = [str(a) for a in stage.approvers.values_list("user_id", flat=True)]
    pending = {str(a) for a in selectors.pending_approver_ids(stage)}
    me = str(actor.pk)
    principals = {str(p) for p in selectors.principals_of(actor)} & set(approvers)
    if on_behalf_of is not None:
        wanted = str(on_behalf_of)
        if wanted == me:
            principals = set()
        elif wanted not in principals:
            raise NotAnApprover(on_behalf_of=wanted)
        else:
            if wanted not in pending:
                raise AlreadyDecided()
            return wanted, actor
    if me in approvers and me in pending:
        return me, None
    waiting = sorted(principals & pending)
    if len(waiting) == 1:
        return waiting[0], actor
    if len(waiting) > 1:
        raise InvalidInput(on_behalf_of=[_("Say whom you decide for: %(ids)s.") % {
            "ids": ", ".join(waiting)}])  # fmt: skip
    if me in approvers or principals:
        raise AlreadyDecided()
    # Not on this stage: an approver of another one decides out of turn, or again.
    mine = [actor.pk, *selectors.principals_of(actor)]
    elsewhere = ApprovalApprover.objects.filter(stage__route=route, user_id__in=mine)
    if not elsewhere.exists():
        raise NotAnApprover()
    earlier = ApprovalDecision.objects.filter(route=route, cycle=route.cycle, approver_id__in=mine)
    if (
        earlier.filter(stage__number__lt=stage.number).exists()
        and not elsewhere.filter(stage__number__gt=stage.number).exists()
    ):
        raise AlreadyDecided()
    raise NotYourTurn(current_stage=stage.number)


def approval_step_decide(
    *,
    actor: User,
    document_id: Any,
    decision: str,
    comment: str = "",
    on_behalf_of: Any = None,
) -> ApprovalRoute:
    """Decide on the current stage of a document's running route, as one of its approvers
    or as today's deputy of one (the decision records both), once per approver and cycle.
    ``approve`` completes an ``any`` stage, or an ``all`` stage once every approver
    approved; the next stage then becomes active, and after the last one the document is
    registered: it takes the next number of its agency's journal under the journal's row
    lock, inside this transaction, so numbers are consecutive and never reused.
    ``reject`` and ``return`` (a comment required) end the route: the document becomes
    ``rejected`` or ``returned``. Every decision is a signature in the document's chain.

    Errors: ``document_not_found`` (not seen), ``route_not_found`` /
    ``approval_route_not_running``, ``approval_not_approver`` (403),
    ``approval_not_your_turn`` (409, another stage's approver), ``approval_already_decided``
    (409), ``approval_comment_required`` (400)."""
    if decision not in Decision.values:
        raise InvalidInput(decision=[_("approve, reject or return.")])
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(comment=[_("At most %(n)d characters.") % {"n": MAX_COMMENT_CHARS}])
    if decision != Decision.APPROVE and not comment:
        raise CommentRequired()
    with transaction.atomic():
        document, _role = access_document(actor, document_id, for_update=True)
        route = _running_locked(document)
        stage = route.stages.get(number=route.current_stage)
        approver_id, deputy = _decider(actor, route, stage, on_behalf_of)
        signed = signature_append(
            route=route, stage=stage, approver_id=approver_id, deputy=deputy,
            decision=decision, comment=comment,
        )  # fmt: skip
        record(
            f"approval.{decision}", actor=actor, target=document,
            details={"route": str(route.pk), "stage": stage.number, "approver": approver_id,
                     "deputy": str(deputy.pk) if deputy else None, "signature": signed.hash},
        )  # fmt: skip
        steps = _advance(actor, route, stage, decision)
        route.save(update_fields=["status", "current_stage", "finished_at"])
        _tell(actor, route, stage, signed, steps)
    return selectors.route_get(route.pk)


def _advance(actor: User, route: ApprovalRoute, stage: ApprovalStage, decision: str) -> list[str]:
    """Move the route on after a decision; the steps that happened, in order."""
    now = clock.now()
    document = route.document
    if decision != Decision.APPROVE:
        stage.completed_at = now
        stage.save(update_fields=["completed_at"])
        route.status = (
            ApprovalRoute.Status.REJECTED
            if decision == Decision.REJECT
            else ApprovalRoute.Status.RETURNED
        )
        route.current_stage, route.finished_at = 0, now
        _document_status(
            document,
            Document.Status.REJECTED if decision == Decision.REJECT else Document.Status.RETURNED,
        )
        return ["rejected" if decision == Decision.REJECT else "returned"]
    if stage.mode == ApprovalStage.Mode.ALL and selectors.pending_approver_ids(stage):
        return ["approved"]
    stage.completed_at = now
    stage.save(update_fields=["completed_at"])
    following = route.stages.filter(number__gt=stage.number).order_by("number").first()
    if following is not None:
        stage_activate(following, route)
        return ["approved", "stage_completed"]
    number = registration_number_take(document.agency_id)
    route.status, route.current_stage, route.finished_at = ApprovalRoute.Status.REGISTERED, 0, now
    _document_status(
        document, Document.Status.REGISTERED, registration_number=number, registered_at=now
    )
    record(
        "approval.registered", actor=actor, target=document,
        details={"route": str(route.pk), "registration_number": number},
    )  # fmt: skip
    return ["approved", "registered"]


def _tell(
    actor: User,
    route: ApprovalRoute,
    stage: ApprovalStage,
    signed: ApprovalDecision,
    steps: list[str],
) -> None:
    last = steps[-1]
    announce("update", route, step=last)
    data = message_data(
        route, last, stage=stage.number, decision=signed.decision,
        registration_number=route.document.registration_number or None,
    )  # fmt: skip
    conversations_tell(route, actor, data)
    if last == "stage_completed":
        tasks_tell(route, route.stages.get(number=route.current_stage), actor, "task")
    elif last in ("registered", "rejected", "returned") and route.started_by_id:
        people_tell(route, actor, [route.started_by_id], data)


def approval_route_cancel(*, actor: User, document_id: Any) -> ApprovalRoute:
    """Stop a running route: by whoever started it or an owner of the document. The
    document is a draft again; decisions so far stay in its history and chain."""
    with transaction.atomic():
        document, role = access_document(actor, document_id, for_update=True)
        route = _running_locked(document)
        if route.started_by_id != actor.pk and not has_role(role, Role.OWNER):
            raise RouteCancelForbidden()
        route.status, route.current_stage = ApprovalRoute.Status.CANCELLED, 0
        route.finished_at = clock.now()
        route.save(update_fields=["status", "current_stage", "finished_at"])
        route.stages.filter(started_at__isnull=False, completed_at__isnull=True).update(
            completed_at=route.finished_at
        )
        _document_status(document, Document.Status.DRAFT)
        record("approval.cancelled", actor=actor, target=document,
               details={"route": str(route.pk)})  # fmt: skip
        announce("update", route, step="cancelled")
        conversations_tell(route, actor, message_data(route, "cancelled"))
    return selectors.route_get(route.pk)


def version_adding_check(*, document: Document, actor: User | None) -> None:
    """Receiver of ``version_adding``: a route that runs with ``refuse`` refuses new
    versions (``document_in_approval``, 409)."""
    route = selectors.running_route(document)
    if route is not None and route.on_new_version == ApprovalRoute.OnNewVersion.REFUSE:
        raise DocumentInApproval()


def approval_route_restart(*, version: Version, actor: User | None) -> ApprovalRoute | None:
    """Receiver of ``version_created``: a route that runs with ``restart`` goes back to
    stage 1 on the new version (the route's ``cycle`` grows, so the decisions so far are
    void but kept); its stage-1 approvers are told again. Runs in the version's
    transaction, the document row locked by the version service."""
    require_transaction("approval_route_restart")
    route = selectors.running_route(version.document, for_update=True)
    if route is None or route.on_new_version != ApprovalRoute.OnNewVersion.RESTART:
        return None
    route.document = version.document
    route.version, route.version_sha256 = version, version.sha256
    route.cycle += 1
    route.stages.update(
        started_at=None, deadline_at=None, completed_at=None, reminded_at=None, escalated_at=None
    )
    first = route.stages.get(number=1)
    stage_activate(first, route)
    route.save(update_fields=["version", "version_sha256", "cycle", "current_stage"])
    record(
        "approval.restarted", actor=actor, target=version.document,
        details={"route": str(route.pk), "version": version.number, "cycle": route.cycle},
    )  # fmt: skip
    announce("update", route, step="restarted")
    conversations_tell(route, actor, message_data(route, "restarted", stage=1))
    tasks_tell(route, first, actor, "task")
    return route
