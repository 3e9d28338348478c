"""Conferences over REST: scheduling, joining, the lobby, moderation and guest links."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from conferencing import ics, services
from conferencing.api import serializers_conferences as s
from conferencing.api.auth_conferences import GUEST_AUTHENTICATION, IsSignedInOrGuest, actor_of
from conferencing.api.serializers import IceServersOutput
from conferencing.events_conferences import conference_payload, participant_payload
from conferencing.exceptions_conferences import NotInConference
from conferencing.models import Participant
from conferencing.selectors_conferences import (
    access_conference,
    conferences_of,
    is_moderator,
    participant_of,
    participants_in,
)
from conferencing.services.conferences_media import media_of
from conferencing.turn import ice_servers
from portal.api.context import SignedInRequest, request_context
from portal.api.pagination import Cursor, paginated
from portal.api.serializers import validated

TAGS = ["conferences"]


def _for(request: Any, conference: Any) -> dict[str, Any]:
    return conference_payload(conference, for_guest=isinstance(request.auth, Participant))


def _self(conference: Any, participant: Participant | None) -> dict[str, Any]:
    joined = participant is not None and participant.state == Participant.State.JOINED
    return {
        "participant": participant_payload(participant) if participant is not None else None,
        "media": media_of(conference, participant) if joined and participant else None,
    }


def meeting_url(request: Any, conference_id: Any) -> str:
    return request.build_absolute_uri(f"/conferences/{conference_id}")


class ConferenceCursor(Cursor):
    ordering = ("starts_at", "id")  # type: ignore[assignment]


class ParticipantCursor(Cursor):
    ordering = ("created_at", "id")  # type: ignore[assignment]


class ConferenceListView(APIView):
    """The conferences the caller may see (organised, moderated, invited, in their
    conversations, taken part in), soonest first."""

    pagination_class = ConferenceCursor

    @extend_schema(responses={200: s.ConferenceOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest) -> Response:
        found = (
            conferences_of(request.user).select_related("organizer").prefetch_related("moderators")
        )
        return paginated(request, self, found, conference_payload)

    @extend_schema(request=s.ConferenceInput, responses={201: s.ConferenceOutput}, tags=TAGS)
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.ConferenceInput, request.data)
        conference = services.conference_create(actor=request.user, **data)
        return Response(conference_payload(conference), status=status.HTTP_201_CREATED)


class ConferenceDetailView(APIView):
    authentication_classes = GUEST_AUTHENTICATION
    permission_classes = [IsSignedInOrGuest]

    @extend_schema(responses={200: s.ConferenceOutput}, tags=TAGS)
    def get(self, request: Any, conference_id: uuid.UUID) -> Response:
        conference = access_conference(actor_of(request), conference_id)
        return Response(_for(request, conference))


class InvitationView(APIView):
    """The RFC 5545 invitation (text/calendar): import it into any calendar."""

    @extend_schema(
        operation_id="conferences_invitation_retrieve",
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An iCalendar file with one VEVENT"
            )
        },
        tags=TAGS,
    )
    def get(self, request: SignedInRequest, conference_id: uuid.UUID) -> HttpResponse:
        conference = access_conference(request.user, conference_id)
        invitees = conference.invitees.select_related("user")
        attendees = [ics.attendee(str(i.user), i.user.email, i.user.pk) for i in invitees]
        text = ics.invitation(
            conference, url=meeting_url(request, conference.pk), attendees=attendees
        )
        response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
        name = slugify(conference.title, allow_unicode=False) or "meeting"
        response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
        return response


class JoinView(APIView):
    """Join (or come back); answers the caller's row and what their client connects to."""

    @extend_schema(request=None, responses={200: s.SelfOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, conference_id: uuid.UUID) -> Response:
        participant = services.conference_join(
            actor=request.user, conference_id=conference_id, session=request.auth
        )
        return Response(_self(participant.conference, participant))


class LeaveView(APIView):
    authentication_classes = GUEST_AUTHENTICATION
    permission_classes = [IsSignedInOrGuest]

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID) -> Response:
        services.conference_leave(actor=actor_of(request), conference_id=conference_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SelfView(APIView):
    """The caller's own place: in the lobby, joined (with the media to connect to), left,
    removed, or null when never in it. A guest in the lobby polls this (or listens on the
    guest socket) to learn they were admitted."""

    authentication_classes = GUEST_AUTHENTICATION
    permission_classes = [IsSignedInOrGuest]

    @extend_schema(responses={200: s.SelfOutput}, tags=TAGS)
    def get(self, request: Any, conference_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        conference = access_conference(actor, conference_id)
        return Response(_self(conference, participant_of(conference, actor)))

    @extend_schema(request=s.MediaStateInput, responses={200: s.SelfOutput}, tags=TAGS)
    def patch(self, request: Any, conference_id: uuid.UUID) -> Response:
        data = validated(s.MediaStateInput, request.data)
        participant = services.participant_media_set(
            actor=actor_of(request), conference_id=conference_id, **data
        )
        return Response(_self(participant.conference, participant))


class ConferenceIceServersView(APIView):
    """STUN/TURN servers for the mesh's peer connections, also for an admitted guest (who
    may not call ``GET calls/ice-servers``; one in the lobby gets no TURN credential to
    relay anything with): the TURN username names the guest's participant id."""

    authentication_classes = GUEST_AUTHENTICATION
    permission_classes = [IsSignedInOrGuest]

    @extend_schema(responses={200: IceServersOutput}, tags=TAGS)
    def get(self, request: Any, conference_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        conference = access_conference(actor, conference_id)
        if isinstance(actor, Participant):
            own = participant_of(conference, actor)
            if own is None or own.state != Participant.State.JOINED:
                raise NotInConference()
        who = f"guest-{actor.pk}" if isinstance(actor, Participant) else actor.pk
        return Response(IceServersOutput(ice_servers(user_id=who)).data)


class ParticipantListView(APIView):
    """Those joined, in the order they arrived; moderators also see the lobby."""

    authentication_classes = GUEST_AUTHENTICATION
    permission_classes = [IsSignedInOrGuest]
    pagination_class = ParticipantCursor

    @extend_schema(responses={200: s.ParticipantOutput(many=True)}, tags=TAGS)
    def get(self, request: Any, conference_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        conference = access_conference(actor, conference_id)
        own = participant_of(conference, actor)
        moderator = is_moderator(conference, actor)
        found = participants_in(conference, lobby=moderator)
        if not moderator and (own is None or own.state != Participant.State.JOINED):
            # Who is in a meeting is for those in it (a guest in the lobby sees nobody).
            found = found.none()
        for_guest = isinstance(actor, Participant)
        return paginated(
            request, self, found, lambda p: participant_payload(p, for_guest=for_guest)
        )


class MuteView(APIView):
    @extend_schema(request=s.MuteInput, responses={204: None}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID) -> Response:
        data = validated(s.MuteInput, request.data)
        services.conference_mute(
            actor=actor_of(request), context=request_context(request), conference_id=conference_id,
            participant_id=data["participant_id"],
        )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


class ParticipantRemoveView(APIView):
    @extend_schema(request=None, responses={200: s.ParticipantOutput}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID, participant_id: uuid.UUID) -> Response:
        participant = services.participant_remove(
            actor=actor_of(request),
            context=request_context(request),
            conference_id=conference_id,
            participant_id=participant_id,
        )
        return Response(participant_payload(participant))


class ParticipantAdmitView(APIView):
    @extend_schema(request=None, responses={200: s.ParticipantOutput}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID, participant_id: uuid.UUID) -> Response:
        participant = services.participant_admit(
            actor=actor_of(request),
            context=request_context(request),
            conference_id=conference_id,
            participant_id=participant_id,
        )
        return Response(participant_payload(participant))


class LockView(APIView):
    @extend_schema(request=s.LockInput, responses={200: s.ConferenceOutput}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID) -> Response:
        data = validated(s.LockInput, request.data)
        conference = services.conference_lock(
            actor=actor_of(request),
            context=request_context(request),
            conference_id=conference_id,
            locked=data["locked"],
        )
        return Response(conference_payload(conference))


class ModeratorAddView(APIView):
    @extend_schema(request=s.ModeratorInput, responses={200: s.ConferenceOutput}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID) -> Response:
        data = validated(s.ModeratorInput, request.data)
        conference = services.conference_moderator_add(
            actor=actor_of(request),
            context=request_context(request),
            conference_id=conference_id,
            user_id=data["user_id"],
        )
        return Response(conference_payload(conference))


class EndView(APIView):
    @extend_schema(request=None, responses={200: s.ConferenceOutput}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID) -> Response:
        conference = services.conference_end(
            actor=actor_of(request), conference_id=conference_id, context=request_context(request)
        )
        return Response(conference_payload(conference))


class GuestLinkView(APIView):
    @extend_schema(request=s.GuestLinkInput, responses={201: s.GuestLinkOutput}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID) -> Response:
        data = validated(s.GuestLinkInput, request.data)
        link, secret = services.guest_link_create(
            actor=actor_of(request), context=request_context(request), conference_id=conference_id,
            expires_in_minutes=data["expires_in_minutes"],
        )  # fmt: skip
        body = {
            "id": str(link.pk),
            "link": secret,
            "url": request.build_absolute_uri(f"/conferences/guest#{secret}"),
            "expires_at": link.expires_at.isoformat(),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class GuestLinkRevokeView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def post(self, request: Any, conference_id: uuid.UUID, link_id: uuid.UUID) -> Response:
        services.guest_link_revoke(
            actor=actor_of(request), context=request_context(request),
            conference_id=conference_id, link_id=link_id,
        )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuestJoinView(APIView):
    """Open a guest link with a display name: the guest waits in the lobby, holding a pass
    for this conference only. No sign-in."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.GuestJoinInput, responses={201: s.GuestJoinOutput}, tags=TAGS)
    def post(self, request: Any) -> Response:
        data = validated(s.GuestJoinInput, request.data)
        participant, token = services.guest_join(
            link=data["link"], display_name=data["display_name"]
        )
        assert participant.guest_expires_at is not None
        body = {
            "token": token,
            "expires_at": participant.guest_expires_at.isoformat(),
            "conference": conference_payload(participant.conference, for_guest=True),
            "participant": participant_payload(participant),
        }
        return Response(body, status=status.HTTP_201_CREATED)
