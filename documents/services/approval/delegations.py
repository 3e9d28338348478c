"""Delegations: a deputy decides in someone's place for a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from documents import selectors_approval as selectors
from documents.exceptions import InvalidDelegation
from documents.models import ApprovalApprover, ApprovalDelegation, ApprovalRoute, Document
from documents.services.approval.common import viewers_grant
from portal import clock
from portal.accounts.models import User
from portal.audit.services import record
from portal.ids import as_uuid

MAX_DELEGATION_DAYS = 366


def approval_delegation_create(
    *, actor: User, deputy_id: Any, from_date: dt.date, to_date: dt.date
) -> ApprovalDelegation:
    """Name a deputy (an active person of the actor's agency, not oneself) from
    ``from_date`` to ``to_date`` inclusive, ending today or later, at most
    MAX_DELEGATION_DAYS long. While it runs the deputy sees the actor's tasks in their
    inbox and may decide them; the documents of tasks open now are shared with the deputy
    as viewer at once."""
    errors: dict[str, list[str]] = {}
    deputy_pk, agency_id = as_uuid(deputy_id), actor.agency_id
    deputy = None
    if deputy_pk is not None and agency_id is not None:
        deputy = User.objects.filter(
            pk=deputy_pk, agency_id=agency_id, is_active=True, is_bot=False
        ).first()
    if deputy is None or deputy.pk == actor.pk:
        errors["deputy_id"] = [_("Another active user of your agency.")]
    if to_date < from_date:
        errors["to_date"] = [_("Not before from_date.")]
    elif to_date < selectors.today():
        errors["to_date"] = [_("Today or later.")]
    elif (to_date - from_date).days >= MAX_DELEGATION_DAYS:
        errors["to_date"] = [_("At most %(n)d days.") % {"n": MAX_DELEGATION_DAYS}]
    if errors or deputy is None:
        raise InvalidDelegation(None, **errors)
    with transaction.atomic():
        delegation = ApprovalDelegation.objects.create(
            principal=actor, deputy=deputy, from_date=from_date, to_date=to_date,
            created_at=clock.now(),
        )  # fmt: skip
        details = {"deputy": str(deputy.pk), "from": str(from_date), "to": str(to_date)}
        record("approval.delegation_created", actor=actor, target=delegation, details=details)
        if from_date <= selectors.today():
            _share_open_tasks(actor, deputy)
    return delegation


def _share_open_tasks(principal: User, deputy: User) -> None:
    open_documents = ApprovalApprover.objects.filter(
        user=principal, stage__route__status=ApprovalRoute.Status.RUNNING
    ).values("stage__route__document_id")
    documents = (
        Document.objects.filter(pk__in=open_documents, agency_id=deputy.agency_id)
        .select_related("folder")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    for document in documents:
        viewers_grant(document, [deputy.pk], actor=principal)


def approval_delegation_delete(*, actor: User, delegation_id: Any) -> None:
    """End a delegation the actor gave (deleted: it no longer lets the deputy decide)."""
    with transaction.atomic():
        delegation = selectors.access_delegation(actor, delegation_id, for_update=True)
        record("approval.delegation_deleted", actor=actor, target=delegation)
        delegation.delete()
