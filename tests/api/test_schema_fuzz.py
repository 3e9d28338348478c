"""Schemathesis over the whole published schema, in process (the WSGI app, the test
database): every operation, anonymously and signed in as a demo official, gets requests
generated from its documented parameters and bodies (and the admin endpoints as the
demo administrator), and must answer with no server error, a documented status, a
documented content type and a body matching its schema, and refuse what the schema does
not allow (``negative_data_rejection``).

Bounded: a few examples per operation and identity, no deadline per example (the first
request of an operation warms caches), the whole module in well under a minute here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from portal.accounts.models import AuthSession, User
from portal.accounts.services import login_with_password
from portal.audit.services import RequestContext
from portal.devices.services import DeviceInfo
from tests.helpers.schema import openapi_schema

schema = schemathesis.openapi.from_dict(openapi_schema())
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FUZZ = settings(
    max_examples=8,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    derandomize=True,  # the same requests every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _connection_kept_across_requests() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which would
    leave the test's transaction; Django's own test client keeps it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _demo_token(login: str) -> str:
    """A bearer token of a ``seed_demo`` account, from a real sign-in."""
    from portal.accounts.management.commands.seed_demo import demo_password

    call_command("seed_demo", stdout=io.StringIO())
    issued = login_with_password(
        login=login,
        password=demo_password(login),
        otp="",
        device=DeviceInfo(client_device_id="fuzz-device", platform="android"),
        kind=AuthSession.Kind.TOKEN,
        context=RequestContext(ip="127.0.0.1"),
    )
    assert User.objects.filter(login=login, is_active=True).exists()
    return issued.access_token


@pytest.fixture
def demo_token(db: Any) -> str:
    """A demo official's token."""
    from portal.accounts.management.commands.seed_demo import USERS

    return _demo_token(USERS[0][0])


@pytest.fixture
def admin_token(db: Any) -> str:
    """The demo administrator's token (IT staff: the admin endpoints answer)."""
    from portal.accounts.management.commands.seed_demo import ADMIN

    return _demo_token(ADMIN[0])


def _run(case: Any, headers: dict[str, str] | None = None) -> None:
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_anonymous(db: Any, case: Any) -> None:
    _run(case)


@schema.parametrize()
@FUZZ
def test_signed_in(demo_token: str, case: Any) -> None:
    _run(case, {"Authorization": f"Bearer {demo_token}"})


@schema.include(path_regex="^/api/v1/admin/").parametrize()
@FUZZ
def test_staff(admin_token: str, case: Any) -> None:
    _run(case, {"Authorization": f"Bearer {admin_token}"})
