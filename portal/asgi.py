"""ASGI entry point: HTTP through Django, websockets through the realtime gateway."""

import os
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Sets Django up; everything that touches models is imported after it.
django.setup(set_prefix=False)


class PortalASGIHandler(ASGIHandler):
    """Django's ASGI handler, with the whole middleware chain and the view run in one
    worker thread per request.

    Django's own handler builds an async chain: each sync-only middleware, each sync step
    of the others and the view go to a thread and back, five round trips per request with
    our middleware, and every return to the event loop waits behind the websocket traffic
    of the process (measured in docs/performance.md). Our views are all sync, so one hop
    is enough.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        chain: Any = self._middleware_chain  # type: ignore[has-type]
        self._middleware_chain = sync_to_async(chain, thread_sensitive=True)


django_asgi = PortalASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import path  # noqa: E402

from conferencing.consumers_conferences import ConferenceGuestConsumer  # noqa: E402
from documents.consumers import DocumentEditConsumer  # noqa: E402
from portal.api.middleware import BodyLimitASGI  # noqa: E402
from portal.realtime.middleware import WebsocketAuthMiddleware  # noqa: E402
from portal.realtime.routing import websocket_urlpatterns  # noqa: E402

# In production nginx serves /static/; `make run` has only daphne, which serves them here
# (the Swagger UI and admin need them).
# Request bodies are bounded as they arrive, before Django spools them (BodyLimitASGI).
http_app = BodyLimitASGI(
    django_asgi if settings.PRODUCTION else ASGIStaticFilesHandler(django_asgi)
)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # The document editing socket (docs/collab.md) before the gateway's patterns, whose
        # catch-all refuses every other path: portal.realtime imports no domain app.
        "websocket": WebsocketAuthMiddleware(
            URLRouter(
                [
                    path("ws/documents/<uuid:document_id>/", DocumentEditConsumer.as_asgi()),
                    path("ws/conferences/guest/", ConferenceGuestConsumer.as_asgi()),
                    *websocket_urlpatterns,
                ]
            )
        ),
    }
)
