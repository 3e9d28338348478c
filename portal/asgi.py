"""ASGI entry point: HTTP through Django, websockets through the realtime gateway."""

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Sets Django up; everything that touches models is imported after it.
django.setup(set_prefix=False)


class PortalASGIHandler(ASGIHandler):
    """Django's ASGI handler, with everything synchronous about a request — the
    ``request_started`` signal, the middleware chain, the view, closing the response — in
    one call on a worker thread, and that thread reused from request to request.

    Django's own handler builds an async chain: each sync-only middleware, each sync step
    of the others, the signals and the view go to a thread and back, several round trips
    per request, each return waiting behind the websocket traffic of the event loop; and
    it starts a new thread for every request (measured in docs/performance.md). Our views
    are all sync, so one hop is enough.
    """

    def __init__(self) -> None:
        super().__init__()
        # Idle single-thread executors, one per request at a time (see __call__).
        self._idle_threads: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._respond_in_thread = sync_to_async(self._respond, thread_sensitive=True)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """An executor serves one request at a time and goes back to the idle list
        afterwards, so there are as many threads as requests were ever served at once;
        within a request, every ``sync_to_async`` call goes to its thread, as in Django."""
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = (
            self._idle_threads.pop()
            if self._idle_threads
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="http")
        )
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._idle_threads.append(executor)

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await self._respond_in_thread(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: Any, body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        chain: Any = self._middleware_chain  # type: ignore[attr-defined]
        response: Any = error_response if request is None else chain(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            # Its content is in memory: closing it now (request_finished: the database
            # connection goes back to the pool) saves a hop after sending.
            response.close()
        return response


django_asgi = PortalASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from portal.realtime.middleware import WebsocketAuthMiddleware  # noqa: E402
from portal.realtime.routing import websocket_urlpatterns  # noqa: E402

# In production nginx serves /static/; `make run` has only daphne, which serves them here
# (the Swagger UI and admin need them).
http_app = django_asgi if settings.PRODUCTION else ASGIStaticFilesHandler(django_asgi)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
