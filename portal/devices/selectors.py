"""Reads of the device registry: effective policies, access checks, pending commands."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet

from portal.db import require_transaction
from portal.devices.exceptions import CommandNotFound, DeviceNotFound, PolicyNotFound
from portal.devices.models import (
    Device,
    DeviceCommand,
    Policy,
    PolicyAssignment,
    PolicyGeneration,
)
from portal.devices.rules import RULES
from portal.ids import as_uuid

if TYPE_CHECKING:
    # For the annotations only: portal.accounts sits above this app (docs/architecture.md).
    from portal.accounts.models import User

_GENERATION_KEY = "devices:policy-generation"
# How long Redis keeps its copy of the generation: the longest a bump that could not reach
# Redis (it was down) goes unseen once Redis is back.
GENERATION_CACHE_SECONDS = 5


@dataclass(frozen=True)
class EffectivePolicy:
    """Every rule's value for one user, where it came from, and a version string that
    changes whenever any value does (apps report the version they apply)."""

    values: dict[str, Any]
    sources: dict[str, dict[str, Any] | None]
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "rules": self.values,
            "sources": self.sources,
        }


def policy_generation() -> int:
    """The current policy generation (part of the effective-policy cache key): Redis' copy,
    or PostgreSQL's when Redis has none or is down."""
    cached = cache.get(_GENERATION_KEY)
    if cached is not None:
        return int(cached)
    row = PolicyGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    value = row or 1
    cache.add(_GENERATION_KEY, value, GENERATION_CACHE_SECONDS)
    return value


def bump_policy_generation() -> None:
    """Count a change of policies, assignments or the department tree, in the change's
    transaction.

    It moves the generation by two: Redis gets the first step at once, so the changing
    transaction reads its own changes, and the second when it commits, so a policy that
    another process computed from the old rows in between is not used afterwards.
    """
    require_transaction("bump_policy_generation")
    updated = PolicyGeneration.objects.filter(pk=1).update(value=F("value") + 2)
    if not updated:
        PolicyGeneration.objects.create(pk=1, value=3)
    value = PolicyGeneration.objects.values_list("value", flat=True).get(pk=1)
    cache.set(_GENERATION_KEY, value - 1, GENERATION_CACHE_SECONDS)
    transaction.on_commit(lambda: cache.set(_GENERATION_KEY, value, GENERATION_CACHE_SECONDS))


def _chain(user: User) -> list[PolicyAssignment]:
    """Assignments that apply to ``user``, most specific first: user, department and each
    department above it, agency, server."""
    assignments = PolicyAssignment.objects.select_related("policy")
    chain: list[PolicyAssignment] = []
    own = assignments.filter(user_id=user.pk).first()
    if own:
        chain.append(own)
    if user.department_id:
        department = user.department
        lineage = [department, *department.ancestors()] if department else []
        by_department = {
            a.department_id: a
            for a in assignments.filter(department_id__in=[d.pk for d in lineage])
        }
        chain.extend(by_department[d.pk] for d in lineage if d.pk in by_department)
    if user.agency_id:
        agency_assignment = assignments.filter(agency_id=user.agency_id).first()
        if agency_assignment:
            chain.append(agency_assignment)
    server = assignments.filter(scope=PolicyAssignment.Scope.SERVER).first()
    if server:
        chain.append(server)
    return chain


def _source(assignment: PolicyAssignment) -> dict[str, Any]:
    target = assignment.agency or assignment.department or assignment.user
    return {
        "scope": assignment.scope,
        "target_id": str(target.pk) if target is not None else None,
        "target": str(target) if target is not None else None,
        "policy_id": str(assignment.policy_id),
        "policy": assignment.policy.name,
    }


def effective_policy(user: User) -> EffectivePolicy:
    """The policy in force for ``user``: for each rule, the most specific assignment that
    sets it wins; rules nobody sets take their defaults (source ``None``). Cached until
    the next policy change or a change of the user's department or agency."""
    # One round trip: the cached policy remembers the generation it was computed in and
    # is used only while that is still the current one.
    key = f"devices:effective:{user.pk}:{user.department_id}:{user.agency_id}"
    found = cache.get_many([_GENERATION_KEY, key])
    generation = found.get(_GENERATION_KEY)
    if generation is None:
        generation = policy_generation()
    cached = found.get(key)
    if cached is not None and cached.get("generation") == generation:
        return EffectivePolicy(
            values=cached["values"], sources=cached["sources"], version=cached["version"]
        )
    values: dict[str, Any] = {}
    sources: dict[str, dict[str, Any] | None] = {}
    chain = _chain(user)
    for name, rule in RULES.items():
        for assignment in chain:
            if name in assignment.policy.rules:
                values[name] = assignment.policy.rules[name]
                sources[name] = _source(assignment)
                break
        else:
            values[name] = rule.default
            sources[name] = None
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"))
    version = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    result = EffectivePolicy(values=values, sources=sources, version=version)
    cache.set(
        key,
        {"values": values, "sources": sources, "version": version, "generation": generation},
        3600,
    )
    return result


def users_under(assignment: PolicyAssignment) -> QuerySet[User]:
    """The active users an assignment can affect."""
    users = get_user_model().objects.filter(is_active=True)
    if assignment.scope == PolicyAssignment.Scope.USER and assignment.user_id:
        return users.filter(pk=assignment.user_id)
    if assignment.scope == PolicyAssignment.Scope.DEPARTMENT and assignment.department:
        return users.filter(department_id__in=assignment.department.descendant_ids())
    if assignment.scope == PolicyAssignment.Scope.AGENCY and assignment.agency_id:
        return users.filter(agency_id=assignment.agency_id)
    return users


def access_device_for_staff(actor: User, device_id: Any) -> Device:
    """Any device, for IT staff; "not found" for everyone else."""
    pk = as_uuid(device_id)
    device = (
        Device.objects.select_related("user").filter(pk=pk).first()
        if pk and actor.is_active and actor.is_staff
        else None
    )
    if device is None:
        raise DeviceNotFound()
    return device


def access_policy_for_staff(actor: User, policy_id: Any) -> Policy:
    pk = as_uuid(policy_id)
    policy = Policy.objects.filter(pk=pk).first() if pk and actor.is_staff else None
    if policy is None:
        raise PolicyNotFound()
    return policy


def access_own_command(
    device: Device, command_id: Any, *, for_update: bool = False
) -> DeviceCommand:
    """A command addressed to ``device``; any other device's command is "not found"."""
    pk = as_uuid(command_id)
    commands = DeviceCommand.objects.select_related("device")
    if for_update:
        require_transaction("access_own_command(for_update=True)")
        commands = commands.select_for_update()
    command = commands.filter(pk=pk, device=device).first() if pk else None
    if command is None:
        raise CommandNotFound()
    return command


def open_commands(device: Device) -> QuerySet[DeviceCommand]:
    """Commands the device has not acknowledged and that have not expired, oldest first."""
    return DeviceCommand.objects.filter(
        device=device,
        state__in=[DeviceCommand.State.PENDING, DeviceCommand.State.DELIVERED],
    ).order_by("created_at")
