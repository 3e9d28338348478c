"""The websocket gateway. ``publish`` is the one way a service sends a domain event."""

from typing import Any


def publish(event: dict[str, Any], *, user_ids: Any, device_id: Any = None) -> Any:
    """See :func:`portal.realtime.services.publish` (imported lazily: this package loads
    before Django's app registry is ready)."""
    from portal.realtime.services import publish as _publish

    return _publish(event, user_ids=user_ids, device_id=device_id)
