"""Attachments over REST: upload to a conversation, and per-viewer download links."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.api.serializers import AttachmentLinkOutput, AttachmentOutput
from messaging.api.views import MessageSendThrottle
from messaging.events import attachment_payload
from messaging.services.attachments import attachment_download_url, attachment_upload
from portal.api.context import SignedInRequest
from portal.api.parsers import MultiPartParser
from portal.api.serializers import QueryFlag, StrictInput, validated_query
from portal.api.throttling import UserRateThrottle


class AttachmentInput(StrictInput):
    file = serializers.FileField()


class LinkParams(serializers.Serializer):
    thumbnail = QueryFlag(required=False, default=False, help_text=_("The 320 px WebP"))


class AttachmentUploadView(APIView):
    """Upload a file (multipart field ``file``, at most MAX_UPLOAD_BYTES) to send with a
    message: answers the attachment, whose id goes into the message's ``attachment_ids``.
    Its type is detected from its bytes; programs, scripts, shortcuts and installers are
    refused (400 ``file_type_not_allowed``). Only members who may post here may upload;
    uploads not sent within a day are deleted."""

    parser_classes = [MultiPartParser]
    throttle_classes = [UserRateThrottle, MessageSendThrottle]

    @extend_schema(
        request={"multipart/form-data": AttachmentInput},
        responses={201: AttachmentOutput},
        tags=["messaging"],
    )
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        # Bodies declared over MAX_UPLOAD_BYTES are refused by RequestLimitsMiddleware
        # before they are read; the service checks the file itself.
        serializer = AttachmentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        attachment = attachment_upload(
            actor=request.user, conversation_id=conversation_id, upload=upload,
            filename=upload.name or "",
        )  # fmt: skip
        return Response(attachment_payload(attachment), status=status.HTTP_201_CREATED)


class AttachmentLinkView(APIView):
    """A signed link to the attachment (or its thumbnail) for the caller only, valid for
    DOWNLOAD_LINK_TTL seconds and only while the caller may still read the message."""

    @extend_schema(
        parameters=[LinkParams],
        responses={200: AttachmentLinkOutput},
        tags=["messaging"],
    )
    def get(self, request: SignedInRequest, attachment_id: uuid.UUID) -> Response:
        params = validated_query(LinkParams, request)
        path = attachment_download_url(
            actor=request.user, attachment_id=attachment_id,
            thumbnail=params["thumbnail"],
        )  # fmt: skip
        return Response({"url": request.build_absolute_uri(path)})
