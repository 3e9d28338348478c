"""Fixtures for device policy tests: an agency tree, IT staff, and policy helpers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from portal.audit.services import RequestContext
from portal.devices.models import Policy
from portal.devices.services import policy_assign, policy_save
from tests.factories.accounts import AgencyFactory, DepartmentFactory, UserFactory
from tests.helpers.api import sign_in


@pytest.fixture
def org(db):
    agency = AgencyFactory.create(name="Министерство здравоохранения")
    it = DepartmentFactory.create(agency=agency, name="Департамент ИТ")
    security = DepartmentFactory.create(agency=agency, name="Отдел ИБ", parent=it)
    other = DepartmentFactory.create(agency=agency, name="Приёмная")
    return SimpleNamespace(
        agency=agency,
        it=it,
        security=security,
        other=other,
        admin=UserFactory.create(login="it-admin", is_staff=True, department=it),
        analyst=UserFactory.create(login="analyst", department=security),
        clerk=UserFactory.create(login="clerk", department=other),
    )


def make_policy(name: str, **rules: Any) -> Policy:
    return policy_save(
        actor=None, policy=None, name=name, description="", rules=rules,
        context=RequestContext.system(),
    )  # fmt: skip


def assign(policy: Policy, scope: str, target: Any = None) -> Any:
    return policy_assign(
        actor=None, policy=policy, scope=scope, target=target, context=RequestContext.system()
    )


def app_sign_in(user: Any, *, device_id: str = "phone-1", app_version: str = "3.0", **kw: Any):
    """Sign in as the Android app with a version and OS, as a real app would."""
    from rest_framework.test import APIClient

    from portal.accounts.models import AuthSession
    from portal.accounts.services import login_with_password
    from portal.devices.services import DeviceInfo
    from tests.factories.accounts import DEFAULT_PASSWORD

    issued = login_with_password(
        login=user.login,
        password=DEFAULT_PASSWORD,
        otp="",
        device=DeviceInfo(
            client_device_id=device_id,
            platform=kw.get("platform", "android"),
            model="Pixel 8",
            os_version=kw.get("os_version", "15"),
            app_version=app_version,
        ),
        kind=AuthSession.Kind.TOKEN,
        context=RequestContext(ip=kw.get("ip", "127.0.0.1")),
    )
    client = APIClient(REMOTE_ADDR=kw.get("ip", "127.0.0.1"))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.access_token}")
    return client, issued


__all__ = ["app_sign_in", "assign", "make_policy", "sign_in"]
