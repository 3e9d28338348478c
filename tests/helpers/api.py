"""API clients signed in the way real clients are, and error assertions."""

from __future__ import annotations

import uuid
from typing import Any

from rest_framework.test import APIClient

from portal.accounts.models import AuthSession, User
from portal.accounts.services import login_with_password
from portal.audit.services import RequestContext
from portal.devices.services import DeviceInfo
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers.schema import assert_matches_schema


class SchemaCheckedClient(APIClient):
    """An APIClient whose every answer is checked against the published OpenAPI schema:
    a status the operation does not document, or a body that does not match, fails the
    test (tests/helpers/schema.py)."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        response = super().request(*args, **kwargs)
        assert_matches_schema(response)
        return response


def sign_in(
    user: User,
    *,
    password: str = DEFAULT_PASSWORD,
    device_id: str | None = None,
    platform: str = "android",
    otp: str = "",
) -> tuple[APIClient, Any]:
    """An APIClient carrying a bearer token from a real sign-in, and the issued tokens."""
    issued = login_with_password(
        login=user.login,
        password=password,
        otp=otp,
        device=DeviceInfo(client_device_id=device_id or str(uuid.uuid4()), platform=platform),
        kind=AuthSession.Kind.TOKEN,
        context=RequestContext(ip="127.0.0.1"),
    )
    client = SchemaCheckedClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.access_token}")
    return client, issued


def api_client(user: User | None = None) -> APIClient:
    """Anonymous when ``user`` is None, otherwise signed in with a fresh device token."""
    if user is None:
        return SchemaCheckedClient()
    return sign_in(user)[0]


def assert_api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is an error in the documented format with this status and code."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error
