"""STUN/TURN servers for clients, with TURN credentials in coturn's shared-secret scheme
(the "TURN REST API": coturn's ``use-auth-secret`` / ``static-auth-secret``).

The username is ``<expiry unix time>:<user id>``, the credential
``base64(HMAC-SHA1(secret, username))``. coturn computes the same from the username and
its copy of the secret and refuses a username whose expiry has passed, so Portal stores
nothing and a credential cannot be stretched beyond ``TURN_TTL``. Off unless
``TURN_SECRET`` and ``TURN_URLS`` are set (then only ``STUN_URLS``, if any, are handed out).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings

from portal import clock


def turn_credential(secret: str, username: str) -> str:
    """coturn's credential for ``username``."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(*, user_id: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """What ``RTCPeerConnection({iceServers, iceTransportPolicy})`` takes, for this user,
    and when the TURN credential expires (null without TURN)."""
    now = now or clock.now()
    servers: list[dict[str, Any]] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    expires_at = None
    if settings.TURN_SECRET:
        expiry = int(now.timestamp()) + settings.TURN_TTL
        username = f"{expiry}:{user_id}"
        servers.append(
            {
                "urls": list(settings.TURN_URLS),
                "username": username,
                "credential": turn_credential(settings.TURN_SECRET, username),
            }
        )
        expires_at = dt.datetime.fromtimestamp(expiry, tz=dt.UTC)
    return {
        "ice_servers": servers,
        "expires_at": expires_at,
        "ttl_seconds": settings.TURN_TTL if settings.TURN_SECRET else None,
        "ice_transport_policy": settings.CALL_ICE_TRANSPORT_POLICY,
    }
