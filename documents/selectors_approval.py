"""Reads of the approval workflow (docs/documents.md, "Approval"): routes, the inbox,
templates, delegations, and who is concerned by a document's route.

Seeing a route is seeing its document (``access_document``): approvers, signers, managers
and deputies are given a viewer share when the route makes them part of it, so access
stays in one place.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from documents.exceptions import (
    ApprovalDelegationNotFound,
    ApprovalTemplateNotFound,
    RouteNotFound,
)
from documents.models import (
    ApprovalApprover,
    ApprovalDecision,
    ApprovalDelegation,
    ApprovalRoute,
    ApprovalStage,
    ApprovalTemplate,
    Document,
    DocumentShare,
)
from documents.selectors import access_document, documents_visible_to
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction
from portal.ids import as_uuid

# The inbox is one page: nobody has more open approval tasks than this.
INBOX_LIMIT = 500


def today() -> dt.date:
    """The date delegations are compared with: the clock's, in the server's time zone."""
    return timezone.localdate(clock.now())


def for_payload(routes: QuerySet[ApprovalRoute]) -> QuerySet[ApprovalRoute]:
    """Routes with what ``route_payload`` renders, in a fixed number of queries."""
    return routes.select_related("document", "version").prefetch_related(
        Prefetch(
            "stages",
            queryset=ApprovalStage.objects.order_by("number").prefetch_related(
                Prefetch(
                    "approvers",
                    queryset=ApprovalApprover.objects.select_related("user").order_by("position"),
                )
            ),
        ),
        Prefetch(
            "decisions",
            queryset=ApprovalDecision.objects.select_related(
                "approver", "deputy", "version", "stage"
            ).order_by("id"),
        ),
    )


def route_get(route_id: Any) -> ApprovalRoute:
    """A route loaded for its payload (an id the caller already checked)."""
    return for_payload(ApprovalRoute.objects.filter(pk=route_id)).get()


def access_route(actor: User, document_id: Any) -> ApprovalRoute:
    """The running route of a document the actor sees, or else its latest one;
    ``document_not_found`` for a document they do not see, ``route_not_found`` when it
    never had a route."""
    document, _role = access_document(actor, document_id)
    route = for_payload(document.routes.order_by("-started_at", "-id")).first()
    if route is None:
        raise RouteNotFound()
    return route


def routes_of(actor: User, document_id: Any) -> QuerySet[ApprovalRoute]:
    """Every route of a document the actor sees, newest first."""
    document, _role = access_document(actor, document_id)
    return for_payload(document.routes.order_by("-started_at", "-id"))


def running_route(document: Document, *, for_update: bool = False) -> ApprovalRoute | None:
    """The document's running route, locked with ``for_update`` (inside the caller's
    transaction)."""
    routes = ApprovalRoute.objects.filter(document=document, status=ApprovalRoute.Status.RUNNING)
    if for_update:
        require_transaction("running_route(for_update=True)")
        routes = routes.select_for_update(of=("self",))
    return routes.first()


def active_delegations(on: dt.date | None = None) -> QuerySet[ApprovalDelegation]:
    day = on or today()
    return ApprovalDelegation.objects.filter(from_date__lte=day, to_date__gte=day)


def principals_of(deputy: User, on: dt.date | None = None) -> list[Any]:
    """The users ``deputy`` may decide for today."""
    return list(active_delegations(on).filter(deputy=deputy).values_list("principal_id", flat=True))


def deputies_of(user_ids: Iterable[Any], on: dt.date | None = None) -> dict[Any, list[Any]]:
    """Each of ``user_ids`` (who has any) → the deputies who may decide for them today."""
    found: dict[Any, list[Any]] = defaultdict(list)
    rows = active_delegations(on).filter(principal_id__in=list(user_ids))
    for principal, deputy in rows.values_list("principal_id", "deputy_id"):
        found[principal].append(deputy)
    return dict(found)


def pending_approver_ids(stage: ApprovalStage) -> list[Any]:
    """The approvers of an active stage who have not decided in the route's cycle."""
    decided = ApprovalDecision.objects.filter(
        stage=stage, cycle=stage.route.cycle, approver=OuterRef("user")
    )
    rows = stage.approvers.filter(~Exists(decided)).order_by("position")
    return list(rows.values_list("user_id", flat=True))


def route_participant_ids(route: ApprovalRoute) -> set[str]:
    """Ids of everyone the route names: approvers (and the signer) of every stage,
    managers, and the deputies who may decide for an approver today."""
    approvers = set(
        ApprovalApprover.objects.filter(stage__route=route).values_list("user_id", flat=True)
    )
    managers = set(route.stages.filter(manager__isnull=False).values_list("manager_id", flat=True))
    deputies = {d for ids in deputies_of(approvers).values() for d in ids}
    return {str(u) for u in approvers | managers | deputies}


def document_conversation_ids(document: Document) -> list[Any]:
    """The conversations a document lives in: the one owning its folder and those it was
    shared into, in a fixed order (the order their rows are locked in)."""
    ids = set(
        DocumentShare.objects.filter(document=document, conversation__isnull=False).values_list(
            "conversation_id", flat=True
        )
    )
    if document.folder.owner_conversation_id is not None:
        ids.add(document.folder.owner_conversation_id)
    return sorted(ids, key=str)


def inbox(actor: User) -> list[dict[str, Any]]:
    """The approval tasks waiting for the actor's decision, as approver or as a deputy:
    the current stage of a running route, not yet decided in its cycle, on a document the
    actor sees (a revoked share or a deputy not yet given one: no task, and not its name).
    Overdue first, then by deadline (none last). At most ``INBOX_LIMIT``."""
    principals = {actor.pk: None, **{p: p for p in principals_of(actor)}}
    decided = ApprovalDecision.objects.filter(
        stage=OuterRef("stage"), cycle=OuterRef("stage__route__cycle"), approver=OuterRef("user")
    )
    rows = (
        ApprovalApprover.objects.filter(
            user_id__in=list(principals),
            stage__route__status=ApprovalRoute.Status.RUNNING,
            stage__route__current_stage=F("stage__number"),
            stage__route__document__deleted_at__isnull=True,
            stage__route__document__in=documents_visible_to(actor),
        )
        .filter(~Exists(decided))
        .select_related("stage", "stage__route", "stage__route__document", "stage__route__version")
    )
    now = clock.now()
    tasks = []
    for row in rows[: INBOX_LIMIT * 2]:
        stage, route = row.stage, row.stage.route
        tasks.append(
            {
                "document_id": route.document_id,
                "document_name": route.document.name,
                "route_id": route.pk,
                "stage": stage.number,
                "kind": stage.kind,
                "mode": stage.mode,
                "deadline_at": stage.deadline_at,
                "overdue": stage.deadline_at is not None and stage.deadline_at < now,
                "on_behalf_of": principals[row.user_id],
                "version_number": route.version.number,
                "started_by": route.started_by_id,
                "started_at": stage.started_at,
                "link": f"/documents/{route.document_id}",
            }
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    tasks.sort(key=lambda t: (not t["overdue"], t["deadline_at"] or far, str(t["route_id"])))
    return tasks[:INBOX_LIMIT]


def templates_visible_to(actor: User) -> QuerySet[ApprovalTemplate]:
    """The templates of the actor's agency."""
    if actor.agency_id is None:
        return ApprovalTemplate.objects.none()
    return ApprovalTemplate.objects.filter(agency_id=actor.agency_id).order_by("name", "id")


def access_template(actor: User, template_id: Any, *, for_update: bool = False) -> ApprovalTemplate:
    """A template of the actor's agency; "not found" for any other, alike."""
    pk = as_uuid(template_id)
    if pk is None:
        raise ApprovalTemplateNotFound()
    templates = templates_visible_to(actor).filter(pk=pk)
    if for_update:
        require_transaction("access_template(for_update=True)")
        templates = templates.select_for_update()
    template = templates.first()
    if template is None:
        raise ApprovalTemplateNotFound()
    return template


def delegations_of(actor: User) -> QuerySet[ApprovalDelegation]:
    """Delegations the actor gave or received that have not ended."""
    return (
        ApprovalDelegation.objects.filter(Q(principal=actor) | Q(deputy=actor))
        .filter(to_date__gte=today())
        .select_related("principal", "deputy")
        .order_by("from_date", "id")
    )


def access_delegation(
    actor: User, delegation_id: Any, *, for_update: bool = False
) -> ApprovalDelegation:
    """A delegation the actor gave; "not found" for any other, alike."""
    pk = as_uuid(delegation_id)
    if pk is None:
        raise ApprovalDelegationNotFound()
    rows = ApprovalDelegation.objects.filter(pk=pk, principal=actor)
    if for_update:
        require_transaction("access_delegation(for_update=True)")
        rows = rows.select_for_update()
    delegation = rows.first()
    if delegation is None:
        raise ApprovalDelegationNotFound()
    return delegation


def signatures_in_chain_order(document_id: Any = None) -> Iterator[ApprovalDecision]:
    """Every signature (decision), document by document, each document's in chain order
    (one document's with ``document_id``); streamed, not loaded at once."""
    rows = ApprovalDecision.objects.select_related("version").order_by("document_id", "id")
    if document_id is not None:
        rows = rows.filter(document_id=document_id)
    return rows.iterator(chunk_size=2000)
