"""The approval workflow (согласование): routes of stages, decisions signed in a hash chain,
templates, delegations and the agencies' registration journals (docs/documents.md,
"Approval")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.models.files import Document, Version
from portal.accounts.models import Agency, Department

DEFAULT_JOURNAL_FORMAT = "{prefix}/{year}-{number:06d}"


class ApprovalTemplate(models.Model):
    """A saved route of an agency: its ``stages`` as the start endpoint takes them
    (``[{"approver_ids", "mode", "duration_hours" | "due_at", "manager_id"}]``, checked by
    the template services) and an optional signer. Anyone in the agency may use it; its
    creator (or staff in admin) edits it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    stages = models.JSONField(_("stages"), default=list)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("signer"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("approval route template")
        verbose_name_plural = _("approval route templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApprovalRoute(models.Model):
    """One run of a document through its stages, approving ``version`` (its SHA-256 kept
    beside it). At most one route of a document is running (a constraint). ``cycle`` grows
    by one each time a new version restarts the route; decisions of earlier cycles stay in
    the history, void. ``current_stage`` is the number of the active stage (0 once the
    route has ended)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        REGISTERED = "registered", _("registered")
        REJECTED = "rejected", _("rejected")
        RETURNED = "returned", _("returned for revision")
        CANCELLED = "cancelled", _("cancelled")

    class OnNewVersion(models.TextChoices):
        RESTART = "restart", _("restart the route")
        REFUSE = "refuse", _("refuse the new version")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="routes")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    version_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    on_new_version = models.CharField(max_length=16, choices=OnNewVersion.choices)
    cycle = models.PositiveIntegerField(default=1)
    current_stage = models.PositiveIntegerField(default=1)
    template = models.ForeignKey(
        ApprovalTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval route")
        verbose_name_plural = _("approval routes")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="running"),
                name="approval_one_running_route",
            ),
        ]

    def __str__(self) -> str:
        return f"route {self.pk} of {self.document_id}"


class ApprovalStage(models.Model):
    """A stage of a route, numbered from 1. A ``signature`` stage (the final signer) has one
    approver and comes last. ``deadline_at`` is set when the stage becomes active (from
    ``duration`` or the fixed ``due_at``); ``reminded_at`` / ``escalated_at`` record that
    the reminder and the escalation went out for this activation."""

    class Kind(models.TextChoices):
        APPROVAL = "approval", _("approval")
        SIGNATURE = "signature", _("signature")

    class Mode(models.TextChoices):
        ALL = "all", _("every approver")
        ANY = "any", _("any one approver")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.APPROVAL)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ALL)
    duration = models.DurationField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    started_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval stage")
        verbose_name_plural = _("approval stages")
        ordering = ["route", "number"]
        constraints = [
            models.UniqueConstraint(fields=["route", "number"], name="approval_stage_unique")
        ]
        indexes = [
            models.Index(
                fields=["deadline_at"],
                name="approval_stage_open_idx",
                condition=Q(started_at__isnull=False, completed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"stage {self.number} of {self.route_id}"


class ApprovalApprover(models.Model):
    """One approver of a stage, in the order given. A place named as "the head of a
    department" (``head_of_department``) or "the head of the author's department"
    (``head_of_author``) keeps that rule: ``user`` is the head found when the route
    started, found again each time the stage starts (``documents.services.approval.heads``)."""

    stage = models.ForeignKey(ApprovalStage, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    head_of_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("head of department"),
    )  # fmt: skip
    head_of_author = models.BooleanField(_("head of the author's department"), default=False)

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        ordering = ["stage", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "user"], name="approval_approver_unique")
        ]
        indexes = [models.Index(fields=["user"], name="approval_approver_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.stage_id}"


class ApprovalDecision(models.Model):
    """A decision, recorded as a simple electronic signature and never changed: the
    approver it belongs to (``deputy``: who decided in their place), the SHA-256 of the
    version decided on and of the comment, the time, the ``previous_hash`` of the
    document's signature before it and its own ``hash`` over all of these
    (``documents.services.approval.signature_hash``). A decision whose ``cycle`` is below
    its route's is void (a new version restarted the route)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("approve")
        REJECT = "reject", _("reject")
        RETURN = "return", _("return for revision")

    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="decisions")
    stage = models.ForeignKey(ApprovalStage, on_delete=models.CASCADE, related_name="decisions")
    cycle = models.PositiveIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField(blank=True)
    comment_sha256 = models.CharField(max_length=64)
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    version_sha256 = models.CharField(max_length=64)
    decided_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        ordering = ["id"]
        indexes = [models.Index(fields=["document", "id"], name="approval_decision_chain_idx")]

    def __str__(self) -> str:
        return f"{self.decision} by {self.approver_id}"


class ApprovalDelegation(models.Model):
    """``principal`` names ``deputy`` to decide in their place from ``from_date`` to
    ``to_date`` inclusive (dates in the server's time zone)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-from_date"]
        constraints = [
            models.CheckConstraint(
                name="delegation_dates_ordered", condition=Q(from_date__lte=models.F("to_date"))
            ),
            models.CheckConstraint(
                name="delegation_not_self", condition=~Q(principal=models.F("deputy"))
            ),
        ]
        indexes = [models.Index(fields=["deputy", "to_date"], name="delegation_deputy_idx")]

    def __str__(self) -> str:
        return f"{self.principal_id} → {self.deputy_id}"


class RegistrationJournal(models.Model):
    """An agency's registration journal: the next number and how a number is written
    (``format`` with ``{prefix}``, ``{year}`` and ``{number}``, e.g.
    ``{prefix}/{year}-{number:06d}`` → ``01-15/2026-000123``). Numbers are taken under a
    row lock, so they are consecutive and never reused; with ``reset_yearly`` they start
    again from 1 in a new ``year``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(_("prefix"), max_length=50, blank=True)
    format = models.CharField(_("format"), max_length=100, default=DEFAULT_JOURNAL_FORMAT)
    next_number = models.PositiveIntegerField(_("next number"), default=1)
    reset_yearly = models.BooleanField(_("start from 1 every year"), default=True)
    year = models.PositiveIntegerField(_("year of the numbering"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration journal")
        verbose_name_plural = _("registration journals")

    def __str__(self) -> str:
        return str(self.agency)
