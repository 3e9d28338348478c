"""Finding and joining groups and channels open to the agency or the whole server."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import selectors, services
from messaging.api.serializers import ConversationOutput
from messaging.events import conversation_payload
from portal.api.context import SignedInRequest
from portal.api.pagination import Cursor, paginated


class DiscoverCursor(Cursor):
    ordering = ("title", "id")  # type: ignore[assignment]


class DiscoverView(APIView):
    """Groups and channels the caller may join, by title (``?q=`` filters by title)."""

    pagination_class = DiscoverCursor

    @extend_schema(parameters=[OpenApiParameter("q", str)],
                   responses={200: ConversationOutput(many=True)}, tags=["messaging"])  # fmt: skip
    def get(self, request: SignedInRequest) -> Response:
        found = selectors.discoverable(request.user)
        query = request.query_params.get("q", "").strip()[:200]
        if query:
            found = found.filter(title__icontains=query)
        return paginated(request, self, found, conversation_payload)


class JoinView(APIView):
    @extend_schema(request=None, responses={200: ConversationOutput}, tags=["messaging"])
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        conversation = services.conversation_join(
            actor=request.user, conversation_id=conversation_id
        )
        return Response(conversation_payload(conversation))
