"""How the API's authentication appears in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.accounts.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from POST /api/v1/auth/login (docs/api.md).",
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    target_class = "portal.accounts.authentication.PortalSessionAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Browsers: the session cookie; writes also need X-CSRFToken.",
        }


class CheckinBearerScheme(BearerTokenScheme):
    """The same bearer token; a refused device is let through (docs/api.md)."""

    target_class = "portal.accounts.authentication.DeviceCheckinAuthentication"
    name = "bearerTokenCheckin"


class CommandAckBearerScheme(BearerTokenScheme):
    """The same bearer token, also after a remote command ended its session."""

    target_class = "portal.accounts.authentication.CommandAckAuthentication"
    name = "bearerTokenCommandAck"
