"""Every write of the device app: registration, check-in, compliance, policies, commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from portal import clock
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.db import require_transaction
from portal.devices import events, selectors
from portal.devices.compliance import refusal_reasons
from portal.devices.exceptions import (
    AssignmentConflict,
    CommandAlreadyAcknowledged,
    CommandExpired,
    DeviceNotFound,
    DeviceRefused,
    InvalidRules,
)
from portal.devices.models import Device, DeviceCommand, Policy, PolicyAssignment
from portal.devices.rules import RuleError, validate_rules
from portal.realtime import publish

# Commands other than wipe expire when not acknowledged within this time.
COMMAND_TTL = dt.timedelta(days=7)


@dataclass(frozen=True)
class AccountHooks:
    """What this app needs from portal.accounts, the layer above it (sign-in sessions are
    made on devices, so accounts imports devices and never the reverse): whether a user
    has a second factor, and ending the sessions on a device. Accounts registers them when
    it loads (accounts/apps.py), as the owners of download links register their checks
    with portal.storage."""

    two_factor_enabled: Callable[[Any], bool]
    end_device_sessions: Callable[..., int]


_account_hooks: AccountHooks | None = None


def register_account_hooks(hooks: AccountHooks) -> None:
    global _account_hooks
    _account_hooks = hooks


def _accounts() -> AccountHooks:
    if _account_hooks is None:
        # Never a silent no-op: a wipe that ended no session would leave the device in.
        raise RuntimeError("portal.accounts has not registered its hooks (INSTALLED_APPS?)")
    return _account_hooks


@dataclass(frozen=True)
class DeviceInfo:
    """What a client says about itself when it signs in."""

    client_device_id: str
    platform: str
    model: str = ""
    os_version: str = ""
    app_version: str = ""


def device_register(*, user: Any, info: DeviceInfo, context: RequestContext) -> Device:
    """The user's device with this client id, created or updated with what it reports now.

    A wiped device stays refused until IT staff re-enrol it; signing in again clears a
    lock (that is what a lock asks for). Precondition: runs inside the sign-in transaction.
    """
    require_transaction("device_register")
    now = clock.now()
    device, created = Device.objects.select_for_update().get_or_create(
        user=user,
        client_device_id=info.client_device_id,
        defaults={
            "platform": info.platform,
            "model": info.model,
            "os_version": info.os_version,
            "app_version": info.app_version,
            "first_seen_at": now,
            "last_seen_at": now,
            "last_ip": context.ip,
        },
    )
    if created:
        audit.record(
            "device.registered", actor=user, context=context, target=device,
            details={"platform": info.platform, "model": info.model},
        )  # fmt: skip
        return device
    if device.status == Device.Status.WIPED:
        raise DeviceRefused("device_wiped")
    device.platform = info.platform
    device.model = info.model or device.model
    device.os_version = info.os_version or device.os_version
    device.app_version = info.app_version or device.app_version
    device.last_seen_at = now
    device.last_ip = context.ip
    if device.status in (Device.Status.LOCKED, Device.Status.REVOKED):
        device.status = Device.Status.ACTIVE
    device.save()
    return device


def device_enforce_policy(
    *,
    device: Device,
    user: Any,
    ip: str | None,
    session_created_at: dt.datetime | None = None,
    session_last_used_at: dt.datetime | None = None,
    ignore: frozenset[str] = frozenset(),
) -> None:
    """Raise DeviceRefused with the first broken rule (except those in ``ignore``); remember
    the reason on the device (written only when it changes, so a compliant request costs no
    write)."""
    policy = selectors.effective_policy(user)
    # Asked only where the rule is on: it costs a query.
    two_factor_on = not policy.values["require_2fa"] or _accounts().two_factor_enabled(user)
    reasons = refusal_reasons(
        device=device,
        policy=policy,
        ip=ip,
        two_factor_on=two_factor_on,
        session_created_at=session_created_at,
        session_last_used_at=session_last_used_at,
        now=clock.now(),
    )
    reasons = [r for r in reasons if r not in ignore]
    reason = reasons[0] if reasons else ""
    if reason != device.compliance_reason and reason not in ("device_wiped", "device_locked"):
        new_status = device.status
        if device.status in (Device.Status.ACTIVE, Device.Status.BLOCKED):
            new_status = Device.Status.BLOCKED if reason else Device.Status.ACTIVE
        Device.objects.filter(pk=device.pk).update(compliance_reason=reason, status=new_status)
        device.compliance_reason, device.status = reason, new_status
    if reason:
        raise DeviceRefused(reason)


@dataclass(frozen=True)
class DeviceState:
    """What an app reports about its device at check-in (None: not reported)."""

    app_version: str | None = None
    os_version: str | None = None
    screen_lock: bool | None = None
    rooted: bool | None = None
    encrypted: bool | None = None
    policy_version: str = ""


@dataclass(frozen=True)
class CheckinResult:
    policy: selectors.EffectivePolicy
    reasons: list[str]
    commands: list[DeviceCommand]


def device_checkin(
    *,
    session: Any,
    claimed_device_id: str,
    state: DeviceState,
    context: RequestContext,
) -> CheckinResult:
    """Record the device's state, judge it against the policy and hand over its pending
    commands (which become delivered). A non-compliant device still checks in: the answer
    tells it why it is refused, so it can fix that and check in again.

    The device id in the body must be the one the token was issued to; any other id (say,
    another user's device) is refused as "not found" and audited. A device whose session
    was ended by a remote command is refused, but the refusal carries its open commands, so
    a wiped device that was offline still learns it must wipe.
    """
    device, user = session.device, session.user
    if claimed_device_id != device.client_device_id:
        with transaction.atomic():
            audit.record(
                "device.checkin_rejected", actor=user, context=context, target=device,
                details={"claimed_device_id": claimed_device_id[:200]},
            )  # fmt: skip
        raise DeviceNotFound()
    now = clock.now()
    if session.revoked_at is not None:
        with transaction.atomic():
            commands = list(selectors.open_commands(device))
            device_commands_delivered(commands=commands)
        reason = {
            Device.Status.WIPED: "device_wiped",
            Device.Status.LOCKED: "device_locked",
        }.get(Device.Status(device.status), "token_revoked")
        raise DeviceRefused(reason, commands=[events.command_payload(c) for c in commands])
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        for name in ("app_version", "os_version", "screen_lock", "rooted", "encrypted"):
            value = getattr(state, name)
            if value is not None:
                setattr(locked, name, value)
        locked.applied_policy_version = state.policy_version[:64]
        locked.last_checkin_at = now
        locked.last_seen_at = now
        locked.last_ip = context.ip
        locked.save()
        policy = selectors.effective_policy(user)
        try:
            device_enforce_policy(
                device=locked,
                user=user,
                ip=context.ip,
                session_created_at=session.created_at,
                session_last_used_at=session.last_used_at,
            )
            reasons: list[str] = []
        except DeviceRefused as refused:
            reasons = [refused.code]
        commands = list(selectors.open_commands(locked))
        device_commands_delivered(commands=commands)
    return CheckinResult(policy=policy, reasons=reasons, commands=commands)


# --- policies ---------------------------------------------------------------------------------


def _clean_rules(rules: Any) -> dict[str, Any]:
    try:
        return validate_rules(rules)
    except RuleError as exc:
        raise InvalidRules(rules=getattr(exc, "problems", {"rules": str(exc)})) from exc


def _notify_policy_change(assignments: list[PolicyAssignment]) -> None:
    selectors.bump_policy_generation()
    user_ids: set[Any] = set()
    for assignment in assignments:
        user_ids.update(selectors.users_under(assignment).values_list("pk", flat=True))
    if user_ids:
        event, recipients = events.policy_updated_event(sorted(user_ids, key=str))
        publish(event, user_ids=recipients)


def policy_save(
    *,
    actor: Any,
    policy: Policy | None,
    name: str,
    description: str,
    rules: Any,
    context: RequestContext,
) -> Policy:
    """Create or change a policy; unknown or invalid rules are refused, naming each. Users
    it applies to get ``policy.update`` and their sockets re-check compliance."""
    clean = _clean_rules(rules)
    with transaction.atomic():
        created = policy is None
        if policy is None:
            policy = Policy(name=name, description=description, rules=clean)
        before = {} if created else dict(Policy.objects.get(pk=policy.pk).rules)
        policy.name, policy.description, policy.rules = name, description, clean
        try:
            with transaction.atomic():
                policy.save()
        except IntegrityError as exc:
            raise InvalidRules(name=["A policy with this name already exists."]) from exc
        audit.record(
            "policy.created" if created else "policy.changed",
            actor=actor, context=context, target=policy,
            details={"before": before, "after": clean},
        )  # fmt: skip
        _notify_policy_change(list(policy.assignments.all()))
    return policy


def policy_delete(*, actor: Any, policy: Policy, context: RequestContext) -> None:
    with transaction.atomic():
        assignments = list(policy.assignments.all())
        audit.record(
            "policy.deleted", actor=actor, context=context, target=policy,
            details={"rules": policy.rules},
        )  # fmt: skip
        _notify_policy_change(assignments)
        policy.delete()


def policy_assign(
    *,
    actor: Any,
    policy: Policy,
    scope: str,
    target: Any,
    context: RequestContext,
) -> PolicyAssignment:
    """Apply ``policy`` to the server, an agency, a department or a user. A target that
    already has a policy is refused (AssignmentConflict): change or remove that one."""
    fields: dict[str, Any] = {"policy": policy, "scope": scope}
    if scope in ("agency", "department", "user"):
        if target is None:
            raise InvalidRules(target=["A target is required for this scope."])
        fields[scope] = target
    elif scope != "server":
        raise InvalidRules(scope=[f"Unknown scope: {scope}"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                assignment = PolicyAssignment.objects.create(**fields)
        except IntegrityError as exc:
            raise AssignmentConflict() from exc
        audit.record(
            "policy.assigned", actor=actor, context=context, target=policy,
            details={"scope": scope, "target": str(target) if target else None,
                     "target_id": str(target.pk) if target else None},
        )  # fmt: skip
        _notify_policy_change([assignment])
    return assignment


def policy_unassign(*, actor: Any, assignment: PolicyAssignment, context: RequestContext) -> None:
    with transaction.atomic():
        audit.record(
            "policy.unassigned", actor=actor, context=context, target=assignment.policy,
            details={"scope": assignment.scope, "assignment": str(assignment)},
        )  # fmt: skip
        _notify_policy_change([assignment])
        assignment.delete()


# --- remote commands --------------------------------------------------------------------------


def device_command_issue(
    *, actor: Any, device: Device, kind: str, message: str = "", context: RequestContext
) -> DeviceCommand:
    """Queue a command for ``device`` and apply its server-side effect at once.

    Log-out, lock and wipe revoke the device's sessions in this transaction (its tokens
    stop working and its sockets close after the command has been sent to them); a wipe
    also blocks the device until it is re-enrolled. The command reaches the device over its
    socket now if it is connected, otherwise at its next check-in.
    """
    if kind not in DeviceCommand.Kind.values:
        raise InvalidRules(kind=[f"Unknown command: {kind}"])
    if kind == DeviceCommand.Kind.MESSAGE and not message.strip():
        raise InvalidRules(text=["A message command needs text."])
    now = clock.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().select_related("user").get(pk=device.pk)
        command = DeviceCommand.objects.create(
            device=device,
            kind=kind,
            message=message.strip()[:2000],
            issued_by=actor,
            created_at=now,
            expires_at=None if kind == DeviceCommand.Kind.WIPE else now + COMMAND_TTL,
        )
        audit.record(
            f"device.command_{kind}", actor=actor, context=context, target=device,
            details={"command": str(command.pk), "user": str(device.user_id)},
        )  # fmt: skip
        event, recipients = events.command_event(command)
        publish(event, user_ids=recipients, device_id=command.device_id)
        if kind in (DeviceCommand.Kind.LOGOUT, DeviceCommand.Kind.LOCK, DeviceCommand.Kind.WIPE):
            status = {
                DeviceCommand.Kind.LOGOUT: Device.Status.REVOKED,
                DeviceCommand.Kind.LOCK: Device.Status.LOCKED,
                DeviceCommand.Kind.WIPE: Device.Status.WIPED,
            }[DeviceCommand.Kind(kind)]
            device.status = status
            device.save(update_fields=["status"])
            _accounts().end_device_sessions(device=device, reason=f"device_{kind}")
    return command


def device_commands_delivered(*, commands: list[DeviceCommand]) -> None:
    """Mark these commands delivered (sent over the socket or in a check-in answer)."""
    pending = [c.pk for c in commands if c.state == DeviceCommand.State.PENDING]
    if pending:
        now = clock.now()
        DeviceCommand.objects.filter(pk__in=pending, state=DeviceCommand.State.PENDING).update(
            state=DeviceCommand.State.DELIVERED, delivered_at=now
        )
        for command in commands:
            if command.pk in pending:
                command.state, command.delivered_at = DeviceCommand.State.DELIVERED, now


def device_command_ack(
    *, device: Device, command_id: Any, result: str, context: RequestContext
) -> DeviceCommand:
    """The device confirms it carried out one of its own commands. Another device's
    command is "not found"; a second acknowledgement or one after expiry is refused and
    changes nothing."""
    now = clock.now()
    with transaction.atomic():
        command = selectors.access_own_command(device, command_id, for_update=True)
        if command.state == DeviceCommand.State.ACKNOWLEDGED:
            raise CommandAlreadyAcknowledged()
        if command.state == DeviceCommand.State.EXPIRED or (
            command.expires_at is not None and command.expires_at <= now
        ):
            raise CommandExpired()
        command.state = DeviceCommand.State.ACKNOWLEDGED
        command.acknowledged_at = now
        command.delivered_at = command.delivered_at or now
        command.result = result[:500]
        command.save()
        audit.record(
            "device.command_acknowledged", actor=device.user, context=context, target=device,
            details={"command": str(command.pk), "kind": command.kind, "result": command.result},
        )  # fmt: skip
    return command


def device_reenrol(*, actor: Any, device: Device, context: RequestContext) -> None:
    """IT staff allow a wiped, locked or logged-out device to sign in again."""
    with transaction.atomic():
        Device.objects.filter(pk=device.pk).update(
            status=Device.Status.ACTIVE, compliance_reason=""
        )
        audit.record("device.reenrolled", actor=actor, context=context, target=device)


def device_commands_expire() -> int:
    """Mark unacknowledged commands past their expiry as expired (never a wipe)."""
    now = clock.now()
    return DeviceCommand.objects.filter(
        state__in=[DeviceCommand.State.PENDING, DeviceCommand.State.DELIVERED],
        expires_at__lte=now,
    ).update(state=DeviceCommand.State.EXPIRED)
