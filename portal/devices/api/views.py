"""What apps call: check-in and command acknowledgement."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.authentication import CommandAckAuthentication
from portal.api.context import SignedInRequest, request_context
from portal.api.permissions import IsSignedInMayEnrol
from portal.api.serializers import validated
from portal.devices import services
from portal.devices.api import serializers as s
from portal.devices.events import command_payload


class CheckinView(APIView):
    """Report the device's state; get the effective policy, compliance and pending commands.

    Apps call it right after signing in, on every start and resume, and when they receive
    ``policy.update``. A refused device still gets its answer here (``compliant: false``
    and the reasons); a device ended by a remote command gets 403 with its commands.
    """

    authentication_classes = [CommandAckAuthentication]
    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=s.CheckinInput, responses={200: s.CheckinOutput}, tags=["devices"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.CheckinInput, request.data)
        result = services.device_checkin(
            session=request.auth,
            claimed_device_id=data["device_id"],
            state=services.DeviceState(
                app_version=data.get("app_version"),
                os_version=data.get("os_version"),
                screen_lock=data["screen_lock"],
                rooted=data["rooted"],
                encrypted=data["encrypted"],
                policy_version=data["policy_version"],
            ),
            context=request_context(request),
        )
        return Response(
            {
                "compliant": not result.reasons,
                "reasons": result.reasons,
                "policy": result.policy.as_dict(),
                "commands": [command_payload(c) for c in result.commands],
            }
        )


class CommandAckView(APIView):
    """The device confirms it carried out a command (also after a wipe or log-out ended
    its session: the token still works for this)."""

    authentication_classes = [CommandAckAuthentication]
    permission_classes = [IsSignedInMayEnrol]

    @extend_schema(request=s.AckInput, responses={200: s.AckedCommandOutput}, tags=["devices"])
    def post(self, request: SignedInRequest, command_id: uuid.UUID) -> Response:
        data = validated(s.AckInput, request.data)
        command = services.device_command_ack(
            device=request.auth.device,
            command_id=command_id,
            result=data["result"],
            context=request_context(request),
        )
        return Response({**command_payload(command), "state": command.state})
