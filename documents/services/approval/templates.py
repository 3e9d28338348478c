"""Route templates of an agency."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from documents import selectors_approval as selectors
from documents.exceptions import ApprovalTemplateOwnerRequired, InvalidRoute
from documents.models import ApprovalTemplate
from documents.services.approval.common import stages_check
from portal import clock
from portal.accounts.models import User
from portal.audit.services import RequestContext, record

MAX_NAME_CHARS = 200


def _stored(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stages as a template keeps them: what the start endpoint takes, ids as strings."""
    return [
        {
            "approver_ids": [str(a) for a in stage.get("approver_ids", [])],
            "head_of": [str(h) for h in stage.get("head_of") or []],
            "mode": stage.get("mode", "all"),
            "duration_hours": stage["duration_hours"],
            "manager_id": str(stage["manager_id"]) if stage.get("manager_id") else None,
        }
        for stage in stages
    ]


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidRoute(name=[_("From 1 to %(n)d characters.") % {"n": MAX_NAME_CHARS}])
    return name


def approval_template_create(
    *, actor: User, name: str, stages: list[dict[str, Any]], signer_id: Any = None
) -> ApprovalTemplate:
    """Save a route as a template of the actor's agency (every user of the agency may use
    it; the actor may change and delete it). Stages give durations, not due times."""
    if actor.agency_id is None:
        raise InvalidRoute(agency=[_("You belong to no agency.")])
    name = _name(name)
    stages_check(stages, agency_id=actor.agency_id, signer_id=signer_id, allow_due_at=False)
    now = clock.now()
    with transaction.atomic():
        template = ApprovalTemplate.objects.create(
            agency_id=actor.agency_id, name=name, stages=_stored(stages), signer_id=signer_id,
            created_by=actor, created_at=now, updated_at=now,
        )  # fmt: skip
        record("approval.template_created", actor=actor, target=template)
    return template


def approval_template_update(
    *, actor: User, template_id: Any, changes: dict[str, Any]
) -> ApprovalTemplate:
    """Change a template's ``name``, ``stages`` or ``signer_id``: its creator only."""
    with transaction.atomic():
        template = selectors.access_template(actor, template_id, for_update=True)
        if template.created_by_id != actor.pk:
            raise ApprovalTemplateOwnerRequired()
        if "name" in changes:
            template.name = _name(changes["name"])
        stages = changes.get("stages", template.stages)
        signer_id = changes.get("signer_id", template.signer_id)
        stages_check(stages, agency_id=template.agency_id, signer_id=signer_id, allow_due_at=False)
        template.stages, template.signer_id = _stored(stages), signer_id
        template.updated_at = clock.now()
        template.save()
        record("approval.template_changed", actor=actor, target=template,
               details={"fields": sorted(changes)})  # fmt: skip
    return template


def approval_template_delete(*, actor: User, template_id: Any) -> None:
    """Delete a template (its creator only); routes started from it keep their stages."""
    with transaction.atomic():
        template = selectors.access_template(actor, template_id, for_update=True)
        if template.created_by_id != actor.pk:
            raise ApprovalTemplateOwnerRequired()
        record("approval.template_deleted", actor=actor, target=template)
        template.delete()


def approval_template_admin_save(
    *, actor: User, template: ApprovalTemplate, context: RequestContext | None = None
) -> ApprovalTemplate:
    """Save a template from Django admin (staff may edit any agency's): the same checks as
    the API's, stages stored in the API's shape."""
    template.name = _name(template.name)
    stages = template.stages if isinstance(template.stages, list) else []
    stages_check(
        stages, agency_id=template.agency_id, signer_id=template.signer_id, allow_due_at=False
    )
    template.stages = _stored(stages)
    now = clock.now()
    template.updated_at = now
    with transaction.atomic():
        if template._state.adding:
            template.created_at, template.created_by = now, actor
            template.save(force_insert=True)
        else:
            template.save()
        record("approval.template_saved", actor=actor, context=context, target=template)
    return template


def approval_template_admin_delete(
    *, actor: User, template: ApprovalTemplate, context: RequestContext | None = None
) -> None:
    with transaction.atomic():
        record("approval.template_deleted", actor=actor, context=context, target=template)
        template.delete()
