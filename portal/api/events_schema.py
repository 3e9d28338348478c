"""What the websocket carries, described once for the OpenAPI schema: each app's event
payloads (``events.py``) and the gateway's frames, as serializers that only document.

The schema lists them under ``x-websocket-events`` (every event a service publishes, by
``type.op``) and ``x-websocket-frames`` (what the server sends and what it takes), each a
``$ref`` to a component (docs/realtime.md).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def const(*values: str) -> Any:
    """A string field that is one of ``values`` (an event's ``type`` or ``op``)."""

    # A class, not an instance: DRF copies declared fields by re-creating them.
    @extend_schema_field({"type": "string", "enum": list(values)})
    class Const(serializers.CharField):
        pass

    return Const()


def add_websocket_events(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the events and frames as components, and the extensions that
    list them."""
    from drf_spectacular.settings import spectacular_settings
    from rest_framework.views import APIView

    from portal.api.schema import PortalAutoSchema
    from portal.realtime.schema import _any_event, client_frames, events, server_frames

    view = APIView()  # the serializers below need a view for their context, no more
    view.request = None  # type: ignore[assignment]
    view.format_kwarg = None
    schema = PortalAutoSchema()
    schema.view = view
    schema.registry = generator.registry
    schema.method = "GET"
    schema.path = ""

    def ref(serializer: Any) -> dict[str, str]:
        return dict(schema.resolve_serializer(serializer, "response").ref)

    listed = {name: ref(serializer) for name, serializer in events().items()}
    union = ref(_any_event())
    servers = {name: ref(serializer) for name, serializer in server_frames().items()}
    clients = {name: ref(serializer) for name, serializer in client_frames().items()}
    result["components"] = generator.registry.build(spectacular_settings.APPEND_COMPONENTS)
    frame = result["components"]["schemas"]["EventFrame"]
    frame["properties"]["event"] = union
    result["x-websocket-events"] = listed
    result["x-websocket-frames"] = {"server": servers, "client": clients}
    return result
