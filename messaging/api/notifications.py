"""Notifications of the caller: the in-app list, marking read, and the e-mail digest
setting."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import selectors
from messaging.api import serializers as s
from messaging.models import NotificationSettings
from messaging.services import notifications
from portal.api.context import SignedInRequest
from portal.api.pagination import Cursor, paginated
from portal.api.serializers import validated, validated_query
from portal.errors import InvalidInput


class NotificationCursor(Cursor):
    ordering = "-id"


class NotificationListView(APIView):
    """The caller's notifications, newest first (``?unread=true`` for unread only)."""

    pagination_class = NotificationCursor

    @extend_schema(
        parameters=[s.NotificationListParams],
        responses={200: s.NotificationOutput(many=True)},
        tags=["notifications"],
    )
    def get(self, request: SignedInRequest) -> Response:
        rows = selectors.notifications_of(
            request.user, unread_only=validated_query(s.NotificationListParams, request)["unread"]
        )
        return paginated(request, self, rows, lambda row: s.NotificationOutput(row).data)


class NotificationReadView(APIView):
    """Mark notifications read: ``{"ids": [...]}`` or ``{"all": true}``."""

    @extend_schema(
        request=s.NotificationReadInput,
        responses={200: s.NotificationsMarkedOutput},
        tags=["notifications"],
    )
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.NotificationReadInput, request.data)
        if not data["all"] and not data["ids"]:
            raise InvalidInput(ids=["Give ids, or all: true."])
        count = notifications.notifications_mark_read(
            actor=request.user, ids=None if data["all"] else data["ids"]
        )
        return Response({"marked": count})


class NotificationSettingsView(APIView):
    @extend_schema(responses={200: s.NotificationSettingsOutput}, tags=["notifications"])
    def get(self, request: SignedInRequest) -> Response:
        row = NotificationSettings.objects.filter(user=request.user).first()
        return Response({"email_digest": bool(row and row.email_digest)})

    @extend_schema(
        request=s.NotificationSettingsInput,
        responses={200: s.NotificationSettingsOutput},
        tags=["notifications"],
    )
    def patch(self, request: SignedInRequest) -> Response:
        data = validated(s.NotificationSettingsInput, request.data)
        row = notifications.notification_settings_update(
            actor=request.user, email_digest=data["email_digest"]
        )
        return Response({"email_digest": row.email_digest})
