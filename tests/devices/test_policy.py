"""Effective policies: most specific assignment wins, rule by rule, with sources."""

from __future__ import annotations

from typing import Any

import pytest

from portal.devices.exceptions import AssignmentConflict, InvalidRules
from portal.devices.selectors import effective_policy
from tests.devices.conftest import assign, make_policy
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def test_most_specific_assignment_wins_rule_by_rule(org):
    server = make_policy(
        "Базовая", min_app_version="1.0", allow_copy=False, allow_screenshots=False
    )
    agency = make_policy("Минздрав", min_app_version="2.0")
    it = make_policy("ИТ", screen_lock_required=True)
    personal = make_policy("Исключение", allow_copy=True)
    assign(server, "server")
    assign(agency, "agency", org.agency)
    assign(it, "department", org.it)
    assign(personal, "user", org.analyst)

    analyst = effective_policy(org.analyst)  # in Отдел ИБ, under Департамент ИТ
    sources: dict[str, Any] = analyst.sources
    assert analyst.values["min_app_version"] == "2.0"
    assert sources["min_app_version"]["scope"] == "agency"
    assert analyst.values["screen_lock_required"] is True  # inherited down the tree
    assert sources["screen_lock_required"]["target"] == "Департамент ИТ"
    assert analyst.values["allow_copy"] is True
    assert sources["allow_copy"]["scope"] == "user"
    assert analyst.values["allow_screenshots"] is False
    assert sources["allow_screenshots"]["policy"] == "Базовая"
    assert analyst.values["watermark_documents"] is False  # nobody sets it: default
    assert analyst.sources["watermark_documents"] is None

    clerk = effective_policy(org.clerk)  # another department
    assert clerk.values["screen_lock_required"] is False
    assert clerk.values["allow_copy"] is False
    assert clerk.version != analyst.version


def test_version_changes_when_a_rule_changes(org):
    from portal.audit.services import RequestContext
    from portal.devices.services import policy_save

    policy = make_policy("Агентство", allow_copy=False)
    assign(policy, "agency", org.agency)
    before = effective_policy(org.clerk)
    policy_save(
        actor=None, policy=policy, name=policy.name, description="", rules={"allow_copy": True},
        context=RequestContext.system(),
    )  # fmt: skip
    after = effective_policy(org.clerk)
    assert after.values["allow_copy"] is True
    assert after.version != before.version


@pytest.mark.parametrize(
    "rules,bad",
    [
        ({"allow_teleport": True}, "allow_teleport"),
        ({"allow_copy": "yes"}, "allow_copy"),
        ({"min_app_version": "latest"}, "min_app_version"),
        ({"allowed_networks": ["not-a-net"]}, "allowed_networks"),
        ({"allowed_platforms": ["symbian"]}, "allowed_platforms"),
        ({"idle_timeout_minutes": -5}, "idle_timeout_minutes"),
        ({"min_os_version": {"android": "x"}}, "min_os_version"),
    ],
)
def test_invalid_rules_are_named(db, rules, bad):
    with pytest.raises(InvalidRules) as caught:
        make_policy("Плохая", **rules)
    assert bad in caught.value.details["rules"]


def test_two_policies_at_the_same_level_conflict(org):
    assign(make_policy("Первая"), "department", org.it)
    with pytest.raises(AssignmentConflict):
        assign(make_policy("Вторая"), "department", org.it)
    assign(make_policy("Сервер 1"), "server")
    with pytest.raises(AssignmentConflict):
        assign(make_policy("Сервер 2"), "server")


def test_policy_change_notifies_exactly_the_affected_users(org):
    policy = make_policy("ИТ", allow_copy=False)
    with capture_events() as captured:
        assign(policy, "department", org.it)
    updates = captured.of_type("policy")
    assert len(updates) == 1
    payload, recipients = updates[0]
    assert payload == {"type": "policy", "op": "update"}
    # the IT department and the security office under it, not the front office
    assert recipients == {str(org.admin.pk), str(org.analyst.pk)}


def test_moving_a_user_to_another_department_notifies_them(org):
    from portal.accounts.services import user_admin_save
    from portal.audit.services import RequestContext

    org.clerk.department = org.it
    with capture_events() as captured:
        user_admin_save(
            actor=org.admin, user=org.clerk, changed=["department"], created=False,
            context=RequestContext.system(),
        )  # fmt: skip
    assert captured.of_type("policy") == [({"type": "policy", "op": "update"}, {str(org.clerk.pk)})]


def test_a_change_made_while_redis_was_down_applies_once_its_copy_expires(org, monkeypatch):
    """The generation is counted in PostgreSQL; Redis holds a copy for a few seconds. A
    policy change whose writes to Redis were dropped (Redis unreachable) is not lost: once
    that copy expires every process reads the new generation."""
    from django.core.cache import cache

    from portal import cache as portal_cache
    from portal.devices import selectors

    policy = make_policy("Базовая", allow_copy=True)
    assign(policy, "agency", org.agency)
    assert effective_policy(org.analyst).values["allow_copy"] is True  # cached now
    with monkeypatch.context() as outage:
        outage.setattr(portal_cache.redis_guard, "available", lambda: False)
        make_policy("Строгая", allow_copy=False)
        assign(make_policy("Для пользователя", allow_copy=False), "user", org.analyst)
        assert effective_policy(org.analyst).values["allow_copy"] is False  # from PostgreSQL
    # Back: Redis still has the generation from before, and the policy cached with it.
    assert effective_policy(org.analyst).values["allow_copy"] is True
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    ttl = client.ttl(cache.make_key(selectors._GENERATION_KEY))
    assert 0 < ttl <= selectors.GENERATION_CACHE_SECONDS
    cache.delete(selectors._GENERATION_KEY)  # what the expiry does
    assert effective_policy(org.analyst).values["allow_copy"] is False
