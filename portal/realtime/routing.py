"""Websocket URLs (mounted by portal/asgi.py behind the websocket auth middleware)."""

from django.urls import path

from portal.realtime.consumers import EventStreamConsumer

websocket_urlpatterns = [
    path("ws/", EventStreamConsumer.as_asgi()),
]
