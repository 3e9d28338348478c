"""Conversations, members, messages and read state over REST."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import selectors, services
from messaging.api import serializers as s
from messaging.events import conversation_payload, message_payload
from messaging.models import ScheduledMessage
from messaging.presence import presence_of
from messaging.search import SearchFilters, search_messages
from portal.accounts import selectors as account_selectors
from portal.api.context import SignedInRequest
from portal.api.pagination import (
    LIMIT_SCHEMA,
    Cursor,
    SeqCursor,
    SinglePage,
    page,
    paginated,
    seq_params,
)
from portal.api.serializers import validated, validated_query
from portal.api.throttling import UserRateThrottle
from portal.errors import InvalidInput
from portal.ids import as_uuid

CREATED_OR_REPEATED = {
    201: OpenApiResponse(s.MessageOutput, description="Created now"),
    200: OpenApiResponse(s.MessageOutput, description="Created before (same client_id)"),
}


def _created_or_repeated(message: Any, created: bool) -> Response:
    """201 for a message created now, 200 for the first one returned again (same client id)."""
    return Response(message_payload(message), status=status.HTTP_201_CREATED if created else 200)


class ConversationListView(APIView):
    """The caller's conversations, pinned first, then by the latest message: the whole list
    (at most 1000) in one page."""

    pagination_class = SinglePage

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words of a title or a name")],
        responses={200: s.MembershipOutput(many=True)},
        tags=["messaging"],
    )
    def get(self, request: SignedInRequest) -> Response:
        query = request.query_params.get("q", "").strip()[:200]
        memberships = selectors.conversations_of(request.user, query=query)[:1000]
        return Response(
            page(s.MembershipOutput(memberships, many=True).data, next=None, previous=None)
        )

    @extend_schema(
        request=s.ConversationInput, responses={201: s.ConversationOutput}, tags=["messaging"]
    )
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.ConversationInput, request.data)
        conversation = services.conversation_create(actor=request.user, **data)
        return Response(conversation_payload(conversation), status=status.HTTP_201_CREATED)


class DirectConversationView(APIView):
    """The direct chat with a user, created on first use."""

    @extend_schema(request=s.DirectInput, responses={200: s.ConversationOutput}, tags=["messaging"])
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.DirectInput, request.data)
        other = account_selectors.access_user(request.user, data["user_id"])
        conversation = services.direct_conversation(actor=request.user, other=other)
        return Response(conversation_payload(conversation))


class ConversationDetailView(APIView):
    @extend_schema(responses={200: s.MembershipOutput}, tags=["messaging"])
    def get(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        conversation, membership = selectors.access_conversation(request.user, conversation_id)
        counted = selectors.conversations_of(request.user).filter(conversation=conversation)
        return Response(s.MembershipOutput(counted.first() or membership).data)

    @extend_schema(
        request=s.ConversationPatchInput, responses={200: s.ConversationOutput}, tags=["messaging"]
    )
    def patch(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.ConversationPatchInput, request.data)
        conversation = services.conversation_update(
            actor=request.user, conversation_id=conversation_id, changes=dict(data)
        )
        return Response(conversation_payload(conversation))


class MemberSettingsView(APIView):
    """The caller's own settings in a conversation: mute until, pinned, archived."""

    @extend_schema(request=s.MemberSettingsInput, responses={200: s.MembershipOutput},
                   tags=["messaging"])  # fmt: skip
    def patch(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.MemberSettingsInput, request.data)
        membership = services.member_settings_update(
            actor=request.user, conversation_id=conversation_id, changes=dict(data)
        )
        return Response(s.MembershipOutput(membership).data)


class MemberRoleView(APIView):
    """Set a member's role; ``owner`` (by the owner only) transfers ownership."""

    @extend_schema(request=s.RoleInput, responses={204: None}, tags=["messaging"])
    def post(
        self, request: SignedInRequest, conversation_id: uuid.UUID, user_id: uuid.UUID
    ) -> Response:
        data = validated(s.RoleInput, request.data)
        services.member_role_set(
            actor=request.user, conversation_id=conversation_id, user_id=user_id,
            role=data["role"],
        )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageSendThrottle(UserRateThrottle):
    """Per-user limit on posting (MESSAGE_RATE, e.g. "60/min"); reads are not limited here."""

    scope = "message_send"

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class MessageListView(APIView):
    """History, newest first: ``next`` pages to older messages. ``?after=<seq>`` pages
    the other way (oldest first, ``next`` is the next ``after``); ``?around=<message id>``
    is the window around one message (newest first, ``next`` for ``?cursor=``,
    ``previous`` for ``?after=``)."""

    throttle_classes = [UserRateThrottle, MessageSendThrottle]
    pagination_class = SeqCursor

    @extend_schema(
        parameters=[
            OpenApiParameter("after", str, description="Messages after this seq, oldest first"),
            OpenApiParameter("around", uuid.UUID, description="The window around a message"),
        ],
        responses={200: s.MessageOutput(many=True)},
        tags=["messaging"],
    )
    def get(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        before_seq, limit = seq_params(request)
        given = [n for n in ("cursor", "after", "around") if n in request.query_params]
        if len(given) > 1:
            details: dict[str, Any] = {
                n: [_("Pass only one of cursor, after, around.")] for n in given
            }
            raise InvalidInput(None, **details)
        if "after" in request.query_params:
            return self._after(request, conversation_id, limit)
        if "around" in request.query_params:
            return self._around(request, conversation_id, limit)
        messages = selectors.history_payloads(
            request.user, conversation_id, before_seq=before_seq, limit=limit
        )
        oldest = messages[-1]["seq"] if messages else None
        more = oldest is not None and oldest > 1 and len(messages) == limit
        return Response(page(messages, next=str(oldest) if more else None, previous=None))

    def _after(self, request: SignedInRequest, conversation_id: uuid.UUID, limit: int) -> Response:
        raw = request.query_params["after"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise InvalidInput(after=[_("A message's seq: a whole number.")])
        conversation, _membership = selectors.access_conversation(request.user, conversation_id)
        messages = selectors.history_after(
            conversation, viewer=request.user, after_seq=int(raw), limit=limit
        )
        more = len(messages) == limit
        return Response(
            page(
                [message_payload(m) for m in messages],
                next=str(messages[-1].seq) if more else None,
                previous=None,
            )
        )

    def _around(self, request: SignedInRequest, conversation_id: uuid.UUID, limit: int) -> Response:
        raw = request.query_params["around"]
        if as_uuid(raw) is None:
            raise InvalidInput(around=[_("A message id.")])
        messages, more_older, more_newer = selectors.history_around(
            request.user, conversation_id, raw, limit=limit
        )
        return Response(
            page(
                [message_payload(m) for m in messages],
                next=str(messages[-1].seq) if more_older and messages else None,
                previous=str(messages[0].seq) if more_newer and messages else None,
            )
        )

    @extend_schema(request=s.MessageInput, responses=CREATED_OR_REPEATED, tags=["messaging"])
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.MessageInput, request.data)
        message, created = services.message_send(
            actor=request.user, conversation_id=conversation_id, client_id=data["client_id"],
            body=data["body"], reply_to_id=data["reply_to"], thread_root_id=data["thread_root"],
            mentions=data["mentions"], attachment_ids=data["attachment_ids"],
        )  # fmt: skip
        return _created_or_repeated(message, created)


class MessageDetailView(APIView):
    @extend_schema(request=s.MessageEditInput, responses={200: s.MessageOutput}, tags=["messaging"])
    def patch(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        data = validated(s.MessageEditInput, request.data)
        message = services.message_edit(
            actor=request.user, message_id=message_id, body=data["body"]
        )
        return Response(message_payload(message))

    @extend_schema(request=None, responses={200: s.MessageOutput}, tags=["messaging"])
    def delete(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        message = services.message_delete(actor=request.user, message_id=message_id)
        return Response(message_payload(message))


class MessageEditCursor(Cursor):
    ordering = "id"


class MessageEditsView(generics.ListAPIView):
    """The earlier versions of a message, oldest first, to any member who can read it; the
    current text is the message itself. Empty once the message is deleted for everyone."""

    serializer_class = s.MessageEditOutput
    pagination_class = MessageEditCursor

    def get_queryset(self) -> Any:
        request = cast(SignedInRequest, self.request)
        message, _ = selectors.access_message(request.user, self.kwargs["message_id"])
        return selectors.message_edits(message)

    @extend_schema(tags=["messaging"])
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class HideView(APIView):
    """Delete a message "for me" (POST) or show it again (DELETE); others are unaffected."""

    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        services.message_hide(actor=request.user, message_id=message_id, hidden=True)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def delete(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        services.message_hide(actor=request.user, message_id=message_id, hidden=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembersCursor(Cursor):
    ordering = ("joined_at", "id")  # type: ignore[assignment]


class MembersView(APIView):
    """The members of a conversation (any member reads them), and adding members."""

    pagination_class = MembersCursor

    @extend_schema(responses={200: s.MemberOutput(many=True)}, tags=["messaging"])
    def get(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        conversation, _membership = selectors.access_conversation(request.user, conversation_id)
        members = selectors.members_of(conversation)
        return paginated(
            request, self, members, lambda m: s.MemberOutput(m, context={"request": request}).data
        )

    @extend_schema(
        request=s.MembersInput, responses={200: s.MembersAddedOutput}, tags=["messaging"]
    )
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.MembersInput, request.data)
        added = services.conversation_members_add(
            actor=request.user, conversation_id=conversation_id, user_ids=data["user_ids"]
        )
        return Response({"added": added})


class MemberDetailView(APIView):
    """Remove a member (admins), or leave (your own id)."""

    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def delete(
        self, request: SignedInRequest, conversation_id: uuid.UUID, user_id: uuid.UUID
    ) -> Response:
        services.conversation_member_remove(
            actor=request.user, conversation_id=conversation_id, user_id=user_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReadView(APIView):
    @extend_schema(request=s.ReadInput, responses={200: s.ReadOutput}, tags=["messaging"])
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.ReadInput, request.data)
        seq = services.conversation_mark_read(
            actor=request.user, conversation_id=conversation_id, seq=data["seq"]
        )
        return Response({"last_read_seq": seq})


class ReactionsView(APIView):
    @extend_schema(
        request=s.ReactionInput,
        responses={200: s.ReactionAddedOutput, 201: s.ReactionAddedOutput},
        tags=["messaging"],
    )
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        data = validated(s.ReactionInput, request.data)
        added = services.reaction_add(
            actor=request.user, message_id=message_id, emoji=data["emoji"]
        )
        return Response({"added": added}, status=status.HTTP_201_CREATED if added else 200)


class ReactionDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def delete(self, request: SignedInRequest, message_id: uuid.UUID, emoji: str) -> Response:
        services.reaction_remove(actor=request.user, message_id=message_id, emoji=emoji)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PinView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        services.message_pin(actor=request.user, message_id=message_id, pinned=True)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def delete(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        services.message_pin(actor=request.user, message_id=message_id, pinned=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PinnedView(APIView):
    """The conversation's pinned messages, the latest pin first, in one page (at most 100)."""

    pagination_class = SinglePage

    @extend_schema(responses={200: s.MessageOutput(many=True)}, tags=["messaging"])
    def get(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        conversation, _membership = selectors.access_conversation(request.user, conversation_id)
        pinned = selectors.pinned_messages(conversation, viewer=request.user)
        return Response(page([message_payload(m) for m in pinned], next=None, previous=None))


class SyncView(APIView):
    """A client's starting state in one request: who it is, its conversations with unread
    counts and last messages, and the event id to resume the websocket from.

    The event id is read first, so anything that happens while this answer is built is
    replayed over the websocket (the client may see it twice and must apply events
    idempotently by message id and seq).
    """

    @extend_schema(responses={200: s.SyncOutput}, tags=["messaging"])
    def get(self, request: SignedInRequest) -> Response:
        from portal.accounts.api.serializers import MeOutput, UserOutput
        from portal.accounts.models import User
        from portal.realtime.models import EventStream
        from portal.realtime.selectors import followed_topic_heads

        head = (
            EventStream.objects.filter(user=request.user)
            .values_list("last_event_id", flat=True)
            .first()
            or 0
        )
        topics = followed_topic_heads(request.user.pk)
        memberships = list(selectors.conversations_of(request.user)[:1000])
        last = selectors.last_messages(
            [m.conversation_id for m in memberships], viewer=request.user
        )
        conversations = []
        for membership in memberships:
            message = last.get(membership.conversation_id)
            conversations.append(
                {
                    **s.MembershipOutput(membership).data,
                    "last_message": message_payload(message) if message else None,
                }
            )
        partners = selectors.direct_partners(request.user.pk)
        people = {*partners, *(m.author_id for m in last.values() if m.author_id)}
        people.discard(request.user.pk)
        return Response(
            {
                "last_event_id": head,
                "topics": topics,
                "me": MeOutput(request.user, context={"request": request}).data,
                "conversations": conversations,
                "presence": presence_of(partners),
                "users": UserOutput(
                    User.objects.filter(pk__in=people).select_related("agency", "department"),
                    many=True,
                    context={"request": request},
                ).data,
                "limits": selectors.client_limits(),
            }
        )


class ThreadView(APIView):
    """Replies under a message, oldest first (``next`` pages forward), with the root."""

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="The next value of the page before"),
            OpenApiParameter("limit", LIMIT_SCHEMA, description="1 to 200, 50 by default"),
        ],
        responses={200: s.ThreadPageOutput},
        tags=["messaging"],
    )
    def get(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        root, _ = selectors.access_message(request.user, message_id)
        after_seq, limit = seq_params(request)
        replies = selectors.thread(root, viewer=request.user, after_seq=after_seq, limit=limit)
        more = len(replies) == limit
        return Response(
            {
                "root": message_payload(root),
                "following": selectors.thread_followed(root, request.user),
                **page(
                    [message_payload(m) for m in replies],
                    next=str(replies[-1].seq) if more else None,
                    previous=None,
                ),
            }
        )


class FollowView(APIView):
    @extend_schema(request=s.FollowInput, responses={204: None}, tags=["messaging"])
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        data = validated(s.FollowInput, request.data)
        services.thread_follow(actor=request.user, root_id=message_id, follow=data["follow"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ForwardView(APIView):
    """Forward a message you can read into a conversation where you may post."""

    @extend_schema(request=s.ForwardInput, responses=CREATED_OR_REPEATED, tags=["messaging"])
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        data = validated(s.ForwardInput, request.data)
        message, created = services.message_forward(
            actor=request.user, message_id=message_id,
            to_conversation_id=data["conversation_id"], client_id=data["client_id"],
        )  # fmt: skip
        return _created_or_repeated(message, created)


class SearchView(APIView):
    """Full-text search over every message the caller can read now: the ``limit`` best
    matches in one page (``next`` is null; narrow the query or the filters for more)."""

    pagination_class = SinglePage

    @extend_schema(
        parameters=[s.SearchParams],
        responses={200: s.SearchResultOutput(many=True)},
        tags=["messaging"],
    )
    def get(self, request: SignedInRequest) -> Response:
        data = validated_query(s.SearchParams, request)
        results = search_messages(
            actor=request.user,
            query=data["q"],
            filters=SearchFilters(
                conversation_id=data.get("conversation"), author_id=data.get("author"),
                since=data.get("since"), until=data.get("until"),
                has_file=data["has_file"], mentions_me=data["mentions_me"],
            ),
            limit=data["limit"],
        )  # fmt: skip
        return Response(
            page(
                [
                    {
                        "message": message_payload(message),
                        "conversation": conversation_payload(message.conversation),
                        "snippet": snippet,
                    }
                    for message, snippet in results
                ],
                next=None,
                previous=None,
            )
        )


class ScheduledCursor(Cursor):
    ordering = ("send_at", "id")  # type: ignore[assignment]


class ScheduledListView(APIView):
    """The caller's scheduled messages in a conversation, soonest first; POST schedules one."""

    pagination_class = ScheduledCursor

    @extend_schema(responses={200: s.ScheduledOutput(many=True)}, tags=["messaging"])
    def get(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        conversation, _ = selectors.access_conversation(request.user, conversation_id)
        rows = ScheduledMessage.objects.filter(conversation=conversation, author=request.user)
        return paginated(request, self, rows, lambda row: s.ScheduledOutput(row).data)

    @extend_schema(
        request=s.ScheduleInput,
        responses={
            201: OpenApiResponse(s.ScheduledOutput, description="Scheduled now"),
            200: OpenApiResponse(
                s.ScheduledOutput, description="Scheduled before (same client_id)"
            ),
        },
        tags=["messaging"],
    )
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.ScheduleInput, request.data)
        scheduled, created = services.message_schedule(
            actor=request.user, conversation_id=conversation_id, client_id=data["client_id"],
            body=data["body"], send_at=data["send_at"], mentions=data["mentions"],
        )  # fmt: skip
        return Response(
            s.ScheduledOutput(scheduled).data, status=status.HTTP_201_CREATED if created else 200
        )


class ScheduledDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["messaging"])
    def delete(self, request: SignedInRequest, scheduled_id: uuid.UUID) -> Response:
        services.scheduled_message_cancel(actor=request.user, scheduled_id=scheduled_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PollCreateView(APIView):
    @extend_schema(request=s.PollInput, responses=CREATED_OR_REPEATED, tags=["messaging"])
    def post(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        data = validated(s.PollInput, request.data)
        message, created = services.poll_create(
            actor=request.user, conversation_id=conversation_id, **data
        )
        return _created_or_repeated(message, created)


class PollVoteView(APIView):
    """Vote (replacing an earlier vote); an empty list withdraws it. GET: the caller's own
    choice (also in an anonymous poll)."""

    @extend_schema(responses={200: s.OwnVoteOutput}, tags=["messaging"])
    def get(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        return Response({"options": selectors.own_vote(request.user, message_id)})

    @extend_schema(request=s.VoteInput, responses={200: s.MessageOutput}, tags=["messaging"])
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        data = validated(s.VoteInput, request.data)
        message = services.poll_vote(
            actor=request.user, message_id=message_id, options=data["options"]
        )
        return Response(message_payload(message))


class PollCloseView(APIView):
    @extend_schema(request=None, responses={200: s.MessageOutput}, tags=["messaging"])
    def post(self, request: SignedInRequest, message_id: uuid.UUID) -> Response:
        message = services.poll_close(actor=request.user, message_id=message_id)
        return Response(message_payload(message))


class PresenceView(APIView):
    """``online``, ``away`` or ``offline`` for up to 200 users (``?user_ids=a,b,c``)."""

    @extend_schema(parameters=[OpenApiParameter("user_ids", str)],
                   responses={200: s.PresenceOutput}, tags=["messaging"])  # fmt: skip
    def get(self, request: SignedInRequest) -> Response:
        raw = [part for part in request.query_params.get("user_ids", "").split(",") if part]
        if len(raw) > 200:
            raise InvalidInput(user_ids=["At most 200."])
        try:
            ids = [str(uuid.UUID(part)) for part in raw]
        except ValueError as exc:
            raise InvalidInput(user_ids=["Comma-separated user ids."]) from exc
        return Response({"presence": presence_of(ids)})
