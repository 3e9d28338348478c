"""Writing and verifying the audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from portal import clock
from portal.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any 64-bit number unique to this lock; PostgreSQL advisory locks are keyed by it.
_CHAIN_LOCK_KEY = 0x706F7274616C  # "portal"


@dataclass(frozen=True)
class RequestContext:
    """Who did something from where: taken from a request, a socket or a command."""

    ip: str | None = None
    user_agent: str = ""
    device_id: Any = None

    @classmethod
    def system(cls) -> RequestContext:
        return cls()


def _content(event: AuditEvent) -> str:
    return json.dumps(
        {
            "created_at": event.created_at.isoformat(),
            "action": event.action,
            "actor": str(event.actor_id) if event.actor_id else None,
            "actor_repr": event.actor_repr,
            "device": str(event.device_id) if event.device_id else None,
            "ip": event.ip,
            "user_agent": event.user_agent,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "target_repr": event.target_repr,
            "details": event.details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + _content(event)).encode()).hexdigest()


def record(
    action: str,
    *,
    actor: Any = None,
    context: RequestContext | None = None,
    target: Model | None = None,
    target_repr: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    Runs in the caller's transaction (so an audited change and its record commit or roll
    back together); appends are serialised with an advisory lock on PostgreSQL, and by
    SQLite's single writer in embedded mode.
    """
    context = context or RequestContext.system()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
        event = AuditEvent(
            created_at=clock.now(),
            action=action,
            actor=actor_obj,
            actor_repr=str(actor_obj)[:300] if actor_obj else "",
            device_id=context.device_id,
            ip=context.ip,
            user_agent=(context.user_agent or "")[:500],
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=(target_repr or (str(target) if target is not None else ""))[:300],
            details=json.loads(json.dumps(details or {}, default=str)),
            prev_hash=last or GENESIS_HASH,
        )
        event.hash = compute_hash(event.prev_hash, event)
        event.save()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Walk the log in order; report the first row whose links or content do not match."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        checked += 1
        if event.prev_hash != prev:
            return ChainReport(checked, event.id, "previous row missing or changed")
        if compute_hash(prev, event) != event.hash:
            return ChainReport(checked, event.id, "row content changed")
        prev = event.hash
    return ChainReport(checked, None)
