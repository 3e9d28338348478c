"""Websocket URLs (mounted by portal/asgi.py behind the websocket auth middleware)."""

from channels.generic.websocket import WebsocketConsumer
from django.urls import path, re_path

from portal.realtime.consumers import EventStreamConsumer


class UnknownPathConsumer(WebsocketConsumer):
    """Any other path is refused at the handshake (daphne answers HTTP 403), not with an
    error: a socket with nothing behind it is never opened."""

    def connect(self) -> None:
        self.close()


websocket_urlpatterns = [
    path("ws/", EventStreamConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
