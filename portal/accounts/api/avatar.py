"""``PUT /api/v1/me/avatar`` sets the caller's picture, ``DELETE`` removes it."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.api.serializers import MeOutput
from portal.accounts.services.avatars import user_avatar_remove, user_avatar_set
from portal.api.context import SignedInRequest, request_context
from portal.api.serializers import StrictInput
from portal.storage.exceptions import FileTooLarge

# Room for the multipart envelope around the file when judging Content-Length.
_ENVELOPE_BYTES = 64 * 1024


class AvatarInput(StrictInput):
    file = serializers.FileField()


class AvatarView(APIView):
    """The caller's avatar: a JPEG, PNG, WebP or GIF image sent as the multipart field
    ``file``, at most AVATAR_MAX_BYTES; it comes back in the profile as signed links to
    square WebP pictures of 64, 128 and 256 pixels."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=AvatarInput, responses={200: MeOutput}, tags=["users"])
    def put(self, request: SignedInRequest) -> Response:
        limit = settings.AVATAR_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + _ENVELOPE_BYTES:
            # Refused before the body is read and spooled to disk.
            raise FileTooLarge(limit_bytes=limit)
        serializer = AvatarInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_avatar_set(
            user=request.user,
            upload=serializer.validated_data["file"],
            context=request_context(request),
        )
        return Response(MeOutput(user, context={"request": request}).data)

    @extend_schema(request=None, responses={204: None}, tags=["users"])
    def delete(self, request: SignedInRequest) -> Response:
        user_avatar_remove(user=request.user, context=request_context(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
