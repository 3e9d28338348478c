"""One-to-one calls over REST: start, answer, decline, end, history, ICE servers.
Signalling goes over the event socket (``call.signal``, conferencing/realtime.py)."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from conferencing import selectors, services
from conferencing.api import serializers as s
from conferencing.events import call_payload
from conferencing.turn import ice_servers
from portal.api.context import SignedInRequest
from portal.api.pagination import Cursor, SinglePage, page, paginated
from portal.api.serializers import validated


class CallListView(APIView):
    """The caller's call history (newest first), and starting a call."""

    pagination_class = Cursor

    @extend_schema(responses={200: s.CallHistoryOutput(many=True)}, tags=["calls"])
    def get(self, request: SignedInRequest) -> Response:
        context = {"user": request.user}
        return paginated(
            request, self, selectors.calls_of(request.user),
            lambda call: s.CallHistoryOutput(call, context=context).data,
        )  # fmt: skip

    @extend_schema(request=s.CallStartInput, responses={201: s.CallOutput}, tags=["calls"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.CallStartInput, request.data)
        call = services.call_start(
            actor=request.user, session=request.auth, kind=data["kind"],
            callee_id=data.get("callee_id"), conversation_id=data.get("conversation_id"),
        )  # fmt: skip
        return Response(call_payload(call), status=status.HTTP_201_CREATED)


class ActiveCallsView(APIView):
    """The caller's ringing or answered call (at most one): what a device shows when it
    connects while a call rings."""

    pagination_class = SinglePage

    @extend_schema(responses={200: s.CallOutput(many=True)}, tags=["calls"])
    def get(self, request: SignedInRequest) -> Response:
        calls = selectors.active_calls_of(request.user)[:10]
        return Response(page([call_payload(c) for c in calls], next=None, previous=None))


class IceServersView(APIView):
    @extend_schema(responses={200: s.IceServersOutput}, tags=["calls"])
    def get(self, request: SignedInRequest) -> Response:
        return Response(s.IceServersOutput(ice_servers(user_id=request.user.pk)).data)


class CallDetailView(APIView):
    @extend_schema(responses={200: s.CallOutput}, tags=["calls"])
    def get(self, request: SignedInRequest, call_id: uuid.UUID) -> Response:
        return Response(call_payload(selectors.access_call(request.user, call_id)))


class CallAcceptView(APIView):
    @extend_schema(request=None, responses={200: s.CallOutput}, tags=["calls"])
    def post(self, request: SignedInRequest, call_id: uuid.UUID) -> Response:
        call = services.call_accept(actor=request.user, session=request.auth, call_id=call_id)
        return Response(call_payload(call))


class CallDeclineView(APIView):
    @extend_schema(request=None, responses={200: s.CallOutput}, tags=["calls"])
    def post(self, request: SignedInRequest, call_id: uuid.UUID) -> Response:
        return Response(call_payload(services.call_decline(actor=request.user, call_id=call_id)))


class CallCancelView(APIView):
    @extend_schema(request=None, responses={200: s.CallOutput}, tags=["calls"])
    def post(self, request: SignedInRequest, call_id: uuid.UUID) -> Response:
        return Response(call_payload(services.call_cancel(actor=request.user, call_id=call_id)))


class CallHangupView(APIView):
    @extend_schema(request=None, responses={200: s.CallOutput}, tags=["calls"])
    def post(self, request: SignedInRequest, call_id: uuid.UUID) -> Response:
        return Response(call_payload(services.call_hangup(actor=request.user, call_id=call_id)))
