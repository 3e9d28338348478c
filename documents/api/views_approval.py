"""The approval workflow over REST: routes and decisions, the inbox, templates and
delegations (docs/api.md, "Approval")."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import selectors_approval as selectors
from documents.api import serializers_approval as s
from documents.events.approval import route_payload
from documents.services import approval as services
from portal.api.context import SignedInRequest
from portal.api.pagination import Cursor, SinglePage, page, paginated
from portal.api.serializers import validated

TAGS = ["approval"]


class RouteView(APIView):
    """A document's approval route: the running one, or else the latest."""

    @extend_schema(responses={200: s.RouteOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        return Response(route_payload(selectors.access_route(request.user, document_id)))

    @extend_schema(request=s.RouteStartInput, responses={201: s.RouteOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.RouteStartInput, request.data)
        route = services.approval_route_start(
            actor=request.user, document_id=document_id, stages=data.get("stages"),
            signer_id=data.get("signer_id"), on_new_version=data["on_new_version"],
            template_id=data.get("template_id"),
        )  # fmt: skip
        return Response(route_payload(route), status=status.HTTP_201_CREATED)


class RouteCursor(Cursor):
    ordering = "-started_at"


class RouteHistoryView(APIView):
    """Every route of a document, newest first."""

    pagination_class = RouteCursor

    @extend_schema(responses={200: s.RouteOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        routes = selectors.routes_of(request.user, document_id)
        return paginated(request, self, routes, route_payload)


class DecideView(APIView):
    """Decide on the current stage: approve, reject or return for revision."""

    @extend_schema(request=s.DecideInput, responses={200: s.RouteOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.DecideInput, request.data)
        route = services.approval_step_decide(
            actor=request.user, document_id=document_id, decision=data["decision"],
            comment=data["comment"], on_behalf_of=data.get("on_behalf_of"),
        )  # fmt: skip
        return Response(route_payload(route))


class CancelView(APIView):
    """Cancel the running route (whoever started it, or an owner)."""

    @extend_schema(request=None, responses={200: s.RouteOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        route = services.approval_route_cancel(actor=request.user, document_id=document_id)
        return Response(route_payload(route))


class InboxView(APIView):
    """Tasks waiting for my decision, as approver or deputy: overdue first, then by
    deadline."""

    pagination_class = SinglePage

    @extend_schema(responses={200: s.InboxTaskOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest) -> Response:
        tasks = selectors.inbox(request.user)
        return Response(page(s.InboxTaskOutput(tasks, many=True).data, next=None, previous=None))


class TemplateListView(APIView):
    """Route templates of my agency, newest first."""

    pagination_class = Cursor

    @extend_schema(responses={200: s.TemplateOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest) -> Response:
        templates = selectors.templates_visible_to(request.user)
        context = {"actor": request.user}
        return paginated(
            request, self, templates, lambda t: s.TemplateOutput(t, context=context).data
        )

    @extend_schema(request=s.TemplateInput, responses={201: s.TemplateOutput}, tags=TAGS)
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.TemplateInput, request.data)
        template = services.approval_template_create(
            actor=request.user, name=data["name"], stages=data["stages"],
            signer_id=data.get("signer_id"),
        )  # fmt: skip
        rendered = s.TemplateOutput(template, context={"actor": request.user}).data
        return Response(rendered, status=status.HTTP_201_CREATED)


class TemplateDetailView(APIView):
    @extend_schema(responses={200: s.TemplateOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, template_id: uuid.UUID) -> Response:
        template = selectors.access_template(request.user, template_id)
        return Response(s.TemplateOutput(template, context={"actor": request.user}).data)

    @extend_schema(request=s.TemplatePatchInput, responses={200: s.TemplateOutput}, tags=TAGS)
    def patch(self, request: SignedInRequest, template_id: uuid.UUID) -> Response:
        data = validated(s.TemplatePatchInput, request.data)
        template = services.approval_template_update(
            actor=request.user, template_id=template_id, changes=dict(data)
        )
        return Response(s.TemplateOutput(template, context={"actor": request.user}).data)

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request: SignedInRequest, template_id: uuid.UUID) -> Response:
        services.approval_template_delete(actor=request.user, template_id=template_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DelegationListView(APIView):
    """Delegations I gave or received that have not ended, newest first."""

    pagination_class = Cursor

    @extend_schema(responses={200: s.DelegationOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest) -> Response:
        rows = selectors.delegations_of(request.user)
        return paginated(request, self, rows, lambda row: s.DelegationOutput(row).data)

    @extend_schema(request=s.DelegationInput, responses={201: s.DelegationOutput}, tags=TAGS)
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.DelegationInput, request.data)
        delegation = services.approval_delegation_create(
            actor=request.user, deputy_id=data["deputy_id"], from_date=data["from_date"],
            to_date=data["to_date"],
        )  # fmt: skip
        return Response(s.DelegationOutput(delegation).data, status=status.HTTP_201_CREATED)


class DelegationDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request: SignedInRequest, delegation_id: uuid.UUID) -> Response:
        services.approval_delegation_delete(actor=request.user, delegation_id=delegation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
