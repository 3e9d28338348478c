"""Decisions as simple electronic signatures, chained per document, and the chain check."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from documents import selectors_approval as selectors
from documents.models import ApprovalDecision, ApprovalRoute, ApprovalStage
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def signature_content(decision: ApprovalDecision) -> str:
    """The canonical serialization a signature's hash is taken over: sorted keys, no
    spaces, ids as strings, the time in UTC with microseconds."""
    decided_at = decision.decided_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(
        {
            "document": str(decision.document_id),
            "route": str(decision.route_id),
            "stage": str(decision.stage_id),
            "cycle": decision.cycle,
            "approver": str(decision.approver_id),
            "deputy": str(decision.deputy_id) if decision.deputy_id else None,
            "decision": decision.decision,
            "comment_sha256": decision.comment_sha256,
            "version": str(decision.version_id),
            "version_sha256": decision.version_sha256,
            "decided_at": decided_at,
            "previous_hash": decision.previous_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def signature_hash(decision: ApprovalDecision) -> str:
    return sha256_text(signature_content(decision))


def signature_append(
    *,
    route: ApprovalRoute,
    stage: ApprovalStage,
    approver_id: Any,
    deputy: User | None,
    decision: str,
    comment: str,
) -> ApprovalDecision:
    """Record a decision as the next signature of the route's document: over the route's
    version and its SHA-256, chained to the document's previous signature. Precondition:
    the document row is locked (so the chain has one head)."""
    require_transaction("signature_append")
    previous = (
        ApprovalDecision.objects.filter(document_id=route.document_id)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    )
    row = ApprovalDecision(
        document_id=route.document_id, route=route, stage=stage, cycle=route.cycle,
        approver_id=approver_id, deputy=deputy, decision=decision, comment=comment,
        comment_sha256=sha256_text(comment), version_id=route.version_id,
        version_sha256=route.version_sha256,
        decided_at=clock.now(),
        previous_hash=previous or "",
    )  # fmt: skip
    row.hash = signature_hash(row)
    row.save(force_insert=True)
    return row


@dataclass(frozen=True)
class ChainBreak:
    """A signature that does not hold: its id, its document and why."""

    document_id: Any
    decision_id: int
    reason: str


def signatures_verify(document_id: Any = None) -> tuple[int, list[ChainBreak]]:
    """Walk every document's signature chain (or one document's): each row's hash must be
    the hash of its content, its ``previous_hash`` the hash of the row before it (empty for
    the first), its comment hash that of its comment and its version hash the version's.
    Returns how many signatures were checked and every break found."""
    breaks: list[ChainBreak] = []
    checked = 0
    document: Any = None
    previous = ""
    for row in selectors.signatures_in_chain_order(document_id):
        if row.document_id != document:
            document, previous = row.document_id, ""
        checked += 1
        reasons = []
        if row.previous_hash != previous:
            reasons.append("previous_hash does not match the signature before it")
        if row.hash != signature_hash(row):
            reasons.append("hash does not match the content")
        if row.comment_sha256 != sha256_text(row.comment):
            reasons.append("comment_sha256 does not match the comment")
        if row.version_sha256 != row.version.sha256:
            reasons.append("version_sha256 does not match the version")
        breaks += [ChainBreak(row.document_id, row.pk, reason) for reason in reasons]
        previous = row.hash
    return checked, breaks
