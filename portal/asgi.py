"""ASGI entry point: HTTP through Django, websockets through the realtime gateway."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Sets Django up; everything that touches models is imported after it.
django_asgi = get_asgi_application()

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
