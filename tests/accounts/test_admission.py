"""Session admission (portal/accounts/services/admission.py): one explicit result for every
way a session is used — REST, the websocket handshake and auth frame, a socket's re-check
and the poll of all sockets at once — and what an admitted request costs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import clock
from portal.accounts.models import AuthSession, User
from portal.accounts.services import auth_session_revoke, user_deactivate
from portal.accounts.services.admission import (
    admit,
    admit_session_id,
    admit_token,
    sessions_ended,
)
from portal.audit.services import RequestContext
from portal.devices.models import DeviceCommand
from portal.devices.services import device_command_issue, policy_assign, policy_save
from portal.errors import PortalError
from portal.realtime.middleware import authenticate_token, session_recheck
from tests.factories.accounts import DEFAULT_PASSWORD, AgencyFactory, UserFactory
from tests.helpers.api import assert_api_error, sign_in

pytestmark = pytest.mark.django_db

IP = "127.0.0.1"
SYSTEM = RequestContext.system()


def _revoke(case: SimpleNamespace) -> None:
    auth_session_revoke(
        actor=case.user, session=case.session, reason="revoked_by_user", context=SYSTEM
    )


def _expire(case: SimpleNamespace) -> None:
    case.frozen.advance(settings.ACCESS_TOKEN_TTL + 1)


def _deactivate(case: SimpleNamespace) -> None:
    user_deactivate(actor=None, user=case.user, context=SYSTEM)


def _block_behind_the_services(case: SimpleNamespace) -> None:
    # A user switched off by a direct database edit keeps unrevoked sessions: the liveness
    # rule must still end them (no service can leave this state behind).
    User.objects.filter(pk=case.user.pk).update(is_active=False)


def _refuse_by_policy(case: SimpleNamespace) -> None:
    policy = policy_save(
        actor=None, policy=None, name="Новые приложения", description="",
        rules={"min_app_version": "9.0"}, context=SYSTEM,
    )  # fmt: skip
    policy_assign(actor=None, policy=policy, scope="server", target=None, context=SYSTEM)


def _lock(case: SimpleNamespace) -> None:
    staff = UserFactory.create(is_staff=True)
    device_command_issue(actor=staff, device=case.session.device, kind="lock", context=SYSTEM)


@dataclass(frozen=True)
class Refusal:
    make: Callable[[SimpleNamespace], None]
    status: int
    code: str
    reason: str | None  # details.reason of the refusal
    ended: bool  # the session is over (else: the device is refused, the session lives)
    socket_lives: bool  # an open socket's re-check (no expiry, no policy) lets it on


REFUSALS = {
    "revoked": Refusal(_revoke, 401, "token_revoked", "revoked_by_user", True, False),
    "expired": Refusal(_expire, 401, "token_expired", None, True, True),
    "user deactivated": Refusal(_deactivate, 401, "token_revoked", "deactivated", True, False),
    "user inactive": Refusal(_block_behind_the_services, 401, "token_revoked", "", True, False),
    "device refused by policy": Refusal(
        _refuse_by_policy, 403, "app_version_too_old", "app_version_too_old", False, True
    ),
    "device locked": Refusal(_lock, 401, "token_revoked", "device_lock", True, False),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_every_refusal_is_the_same_explicit_result_on_every_way_in(name):
    refusal = REFUSALS[name]
    start = timezone.now()
    with clock.frozen(start) as frozen:
        user = UserFactory.create()
        client, issued = sign_in(user)
        case = SimpleNamespace(user=user, session=issued.session, frozen=frozen)
        refusal.make(case)
        # Past the touch interval: an admitted use would be recorded now.
        frozen.advance(120)
        last_used = AuthSession.objects.get(pk=issued.session.pk).last_used_at

        admission = admit_token(issued.access_token, ip=IP)

        assert admission.refused is not None
        assert admission.refused.code == refusal.code
        assert admission.refused.details.get("reason") == refusal.reason
        assert admission.ended is refusal.ended
        assert admission.session is not None and admission.session.pk == issued.session.pk
        with pytest.raises(PortalError) as raised:
            admission.accepted()
        assert raised.value is admission.refused
        # REST and the socket's handshake (or auth frame) answer the same.
        assert_api_error(client.get("/api/v1/me"), refusal.status, refusal.code)
        with pytest.raises(PortalError) as raised:
            authenticate_token(issued.access_token, ip=IP)
        assert raised.value.code == refusal.code
        # An open socket outlives an expired access token and, until the policy is
        # re-checked, a device refusal; nothing else.
        recheck = admit_session_id(issued.session.pk, ip=IP, policy=False)
        assert (recheck.refused is None) is refusal.socket_lives
        # A refused use is not recorded.
        assert AuthSession.objects.get(pk=issued.session.pk).last_used_at == last_used


def test_a_session_ended_by_a_remote_command_may_still_acknowledge_it():
    user = UserFactory.create()
    _, issued = sign_in(user)
    _lock(SimpleNamespace(session=issued.session))
    command = DeviceCommand.objects.get(device=issued.session.device)

    acknowledging = admit_token(issued.access_token, ip=IP, policy=False, command_ack=True)

    assert acknowledging.refused is None and acknowledging.device == issued.session.device
    assert command.kind == "lock"
    refused = admit_token(issued.access_token, ip=IP).refused
    assert refused is not None and refused.code == "token_revoked"


def test_an_admitted_session_is_recorded_and_handed_over():
    start = timezone.now()
    with clock.frozen(start) as frozen:
        user = UserFactory.create()
        _, issued = sign_in(user)
        frozen.advance(120)

        admission = admit_token(issued.access_token, ip="10.1.2.3")

        assert admission.refused is None and not admission.ended
        assert admission.accepted().pk == issued.session.pk
        assert admission.user == user and admission.device == issued.session.device
        session = AuthSession.objects.select_related("device").get(pk=issued.session.pk)
        assert session.last_used_at == start + dt.timedelta(seconds=120)
        assert session.device.last_ip == "10.1.2.3"


@pytest.mark.parametrize(
    "token", ["", "prt_refresh-token-instead", "pat_" + "x" * 300, "pat_unknown"]
)
def test_a_token_naming_no_session_is_refused_as_invalid(token):
    admission = admit_token(token, ip=IP)
    assert admission.session is None and admission.ended
    assert admission.refused is not None and admission.refused.code == "token_invalid"


def test_the_bulk_check_agrees_with_the_single_one_on_a_mix_of_sessions():
    """The poll re-checks every socket of a process in one query; each socket's own
    re-check must come to the same answer, or a socket would close on one path only."""
    start = timezone.now()
    with clock.frozen(start) as frozen:
        made = {name: sign_in(UserFactory.create())[1].session for name in ["live", *REFUSALS]}
        for name, refusal in REFUSALS.items():
            if name != "expired":  # the clock is shared: expire everyone's last
                session = made[name]
                refusal.make(SimpleNamespace(user=session.user, session=session, frozen=frozen))
        frozen.advance(settings.ACCESS_TOKEN_TTL + 1)
        ids = [session.pk for session in made.values()]
        gone = uuid.uuid4()

        bulk = sessions_ended([*ids, gone])

        single: dict[Any, PortalError] = {}
        for pk in [*ids, gone]:
            refused = admit_session_id(pk, ip=IP, policy=False).refused
            if refused is not None:
                single[pk] = refused
            try:
                session_recheck(pk, ip=IP, policy=False)
            except PortalError as raised:
                assert refused is not None and raised.code == refused.code
            else:
                assert refused is None
        assert set(bulk) == set(single)
        for pk, error in bulk.items():
            assert (error.code, error.details) == (single[pk].code, single[pk].details)
        # Not vacuous: the ended ones are exactly those whose session is over for a socket.
        ended_names = {name for name, session in made.items() if session.pk in bulk}
        assert ended_names == {"revoked", "user deactivated", "user inactive", "device locked"}
        assert bulk[gone].code == "token_revoked"


def test_a_missing_session_is_ended():
    admission = admit(None, ip=IP)
    assert admission.ended and admission.refused is not None
    assert admission.refused.code == "token_revoked"


# --- what admitting a request costs -----------------------------------------------------------

# Bearer: the sign-in session with its user, the user's agency and the device, in one query;
# the policy comes from the cache. GET /me then asks whether 2FA is on: 1.
BEARER_ME_QUERIES = 2
# Cookie: Django's session 1 and its user 1 (Django checks the password hash), the sign-in
# session with the same joins 1; GET /me 1. The API uses the joined user, so the agency the
# permission reads is no extra query (it was before).
COOKIE_ME_QUERIES = 4


def _queries(client: Any) -> list[str]:
    client.get("/api/v1/me")  # warm the policy cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me")
    assert response.status_code == 200, response.content
    # The policy generation is re-read from PostgreSQL when Redis' few-second copy lapses:
    # once per process every few seconds, not per request.
    return [q["sql"] for q in queries.captured_queries if "policygeneration" not in q["sql"]]


def test_an_app_request_is_admitted_in_one_query():
    user = UserFactory.create(agency=AgencyFactory.create())
    client, _ = sign_in(user)
    queries = _queries(client)
    assert len(queries) == BEARER_ME_QUERIES, "\n".join(queries)
    assert sum("accounts_authsession" in q for q in queries) == 1


def test_a_browser_request_is_admitted_in_three_queries():
    user = UserFactory.create(agency=AgencyFactory.create())
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    response = client.post(
        "/api/v1/auth/session",
        {"login": user.login, "password": DEFAULT_PASSWORD},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content
    queries = _queries(client)
    assert len(queries) == COOKIE_ME_QUERIES, "\n".join(queries)
    assert not any('FROM "accounts_agency"' in q for q in queries)
