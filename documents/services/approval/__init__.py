"""Every write of the approval workflow (docs/documents.md, "Approval"), split by entity:
routes and decisions, signatures, templates, delegations, deadlines."""

from __future__ import annotations

from typing import Any

from documents.services.approval.deadlines import approval_deadlines_check
from documents.services.approval.delegations import (
    approval_delegation_create,
    approval_delegation_delete,
)
from documents.services.approval.journals import (
    journal_format_check,
    registration_journal_save,
    registration_number_take,
)
from documents.services.approval.routes import (
    approval_route_cancel,
    approval_route_restart,
    approval_route_start,
    approval_step_decide,
    version_adding_check,
)
from documents.services.approval.signatures import (
    ChainBreak,
    signature_hash,
    signatures_verify,
)
from documents.services.approval.templates import (
    approval_template_admin_delete,
    approval_template_admin_save,
    approval_template_create,
    approval_template_delete,
    approval_template_update,
)

__all__ = [
    "ChainBreak",
    "approval_deadlines_check",
    "approval_delegation_create",
    "approval_delegation_delete",
    "approval_route_cancel",
    "approval_route_restart",
    "approval_route_start",
    "approval_step_decide",
    "approval_template_admin_delete",
    "approval_template_admin_save",
    "approval_template_create",
    "approval_template_delete",
    "approval_template_update",
    "connect",
    "journal_format_check",
    "registration_journal_save",
    "registration_number_take",
    "signature_hash",
    "signatures_verify",
    "version_adding_check",
]


def _on_version_adding(sender: Any, *, document: Any, actor: Any = None, **kwargs: Any) -> None:
    version_adding_check(document=document, actor=actor)


def _on_version_created(sender: Any, *, version: Any, actor: Any = None, **kwargs: Any) -> None:
    approval_route_restart(version=version, actor=actor)


def connect() -> None:
    """Listen to the version signals of the files part (called from the app's ready)."""
    from documents.signals import version_adding, version_created

    version_adding.connect(_on_version_adding, dispatch_uid="approval.version_adding")
    version_created.connect(_on_version_created, dispatch_uid="approval.version_created")
