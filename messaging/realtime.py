"""What messaging adds to the event socket (portal.realtime.gateway): the frames clients
send it — ``message.send``, ``typing``, ``presence`` — and presence kept per socket."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from rest_framework import exceptions as drf

from portal.api.serializers import validated
from portal.realtime import gateway
from portal.realtime.exceptions import MalformedFrame
from portal.realtime.gateway import Acknowledged, SocketContext

# The frame's own keys; everything else is the REST body of a send.
_FRAME_KEYS = ("type", "ref", "conversation_id")


def message_send(socket: SocketContext, frame: dict[str, Any]) -> Acknowledged:
    """``message.send``: what ``POST /conversations/{id}/messages`` does, with the same
    validation, rate limits, idempotent client id and service, answered 201 (created) or
    200 (the first message of that client id) with the message."""
    from messaging import services
    from messaging.api import serializers as s
    from messaging.api.views import MessageSendThrottle
    from messaging.events import message_payload
    from portal.api.throttling import UserRateThrottle

    user = socket.session.user
    request = SimpleNamespace(method="POST", user=user)
    for throttle in (UserRateThrottle(), MessageSendThrottle()):
        if not throttle.allow_request(request, None):
            raise drf.Throttled(wait=throttle.wait())
    data = validated(s.MessageInput, {k: v for k, v in frame.items() if k not in _FRAME_KEYS})
    message, created = services.message_send(
        actor=user, conversation_id=frame.get("conversation_id"), client_id=data["client_id"],
        body=data["body"], reply_to_id=data["reply_to"], thread_root_id=data["thread_root"],
        mentions=data["mentions"], attachment_ids=data["attachment_ids"],
    )  # fmt: skip
    return Acknowledged(status=201 if created else 200, result=message_payload(message))


def typing(socket: SocketContext, frame: dict[str, Any]) -> None:
    from messaging.services import typing_notify

    typing_notify(actor=socket.session.user, conversation_id=frame.get("conversation_id"))


def presence(socket: SocketContext, frame: dict[str, Any]) -> None:
    from messaging.services import presence_set

    state = frame.get("state")
    if state not in ("online", "away"):
        raise MalformedFrame(state=["online or away"])
    socket.state["presence"] = state
    presence_set(user_id=socket.session.user_id, connection_id=socket.connection_id, state=state)


def _opened(socket: SocketContext) -> None:
    from messaging.services import presence_set

    socket.state.setdefault("presence", "online")
    presence_set(
        user_id=socket.session.user_id, connection_id=socket.connection_id,
        state=socket.state["presence"],
    )  # fmt: skip


def _closed(socket: SocketContext) -> None:
    from messaging.services import presence_gone

    presence_gone(user_id=socket.session.user_id, connection_id=socket.connection_id)


def _renewed(sockets: list[SocketContext]) -> None:
    from messaging.services import presence_renew

    presence_renew(
        connections=[
            (s.session.user_id, s.connection_id, s.state.get("presence", "online")) for s in sockets
        ]
    )


def register() -> None:
    """Called from ``MessagingConfig.ready``."""
    from messaging.api import events

    gateway.register_frame(
        "message.send", message_send, acknowledged=True, schema=events.MessageSendClientFrame
    )
    gateway.register_frame("typing", typing, schema=events.TypingClientFrame)
    gateway.register_frame("presence", presence, schema=events.PresenceClientFrame)
    gateway.register_connection_hooks(opened=_opened, closed=_closed, renewed=_renewed)
    gateway.register_events(events.EVENTS)
    gateway.register_server_frames(events.SERVER_FRAMES)
