"""Serializers of the approval API: strict inputs, and outputs that document the payloads
``documents.events.approval`` renders."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from documents.events.approval import STEPS, route_payload
from documents.models import (
    ApprovalDecision,
    ApprovalDelegation,
    ApprovalRoute,
    ApprovalStage,
    ApprovalTemplate,
    Document,
)
from documents.services.approval.common import (
    MAX_APPROVERS,
    MAX_COMMENT_CHARS,
    MAX_DURATION_HOURS,
    MAX_STAGES,
)
from portal.api.events_schema import const
from portal.api.serializers import StrictInput

# --- Inputs ------------------------------------------------------------------------------


class TemplateStageInput(StrictInput):
    approver_ids = serializers.ListField(
        child=serializers.UUIDField(), max_length=MAX_APPROVERS, required=False, default=list,
        help_text=_("The stage's approvers, in order."),
    )  # fmt: skip
    head_of = serializers.ListField(
        child=serializers.CharField(max_length=36), max_length=MAX_APPROVERS, required=False,
        default=list,
        help_text=_(
            'Approvers by position: "author" (the head of the document author\'s department) '
            "or a department id (its head), found when the route starts and again when the "
            "stage starts."
        ),
    )  # fmt: skip
    mode = serializers.ChoiceField(
        choices=ApprovalStage.Mode.choices, default=ApprovalStage.Mode.ALL,
        help_text=_("all: every approver must approve; any: the first approval completes it."),
    )  # fmt: skip
    duration_hours = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_HOURS,
        help_text=_("The deadline, in hours from the stage's start."),
    )  # fmt: skip
    manager_id = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("Who is told when the stage is overdue.")
    )


class StageInput(TemplateStageInput):
    duration_hours = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_HOURS, required=False, allow_null=True,
        help_text=_("The deadline in hours from the stage's start (or give due_at)."),
    )  # fmt: skip
    due_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("A fixed deadline (or give duration_hours).")
    )


class RouteStartInput(StrictInput):
    stages = serializers.ListField(
        child=StageInput(), required=False, min_length=1, max_length=MAX_STAGES,
        help_text=_("The stages in order; omitted: the template's."),
    )  # fmt: skip
    signer_id = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("Who signs after the last stage.")
    )
    on_new_version = serializers.ChoiceField(
        choices=ApprovalRoute.OnNewVersion.choices,
        help_text=_("What a new version of the document does while the route runs."),
    )
    template_id = serializers.UUIDField(required=False, allow_null=True)


class DecideInput(StrictInput):
    decision = serializers.ChoiceField(choices=ApprovalDecision.Decision.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_COMMENT_CHARS,
        trim_whitespace=False, help_text=_("Required to reject or return."),
    )  # fmt: skip
    on_behalf_of = serializers.UUIDField(
        required=False, allow_null=True,
        help_text=_("As a deputy: the approver you decide for (needed when there are several)."),
    )  # fmt: skip


class TemplateInput(StrictInput):
    name = serializers.CharField(max_length=200)
    stages = serializers.ListField(child=TemplateStageInput(), min_length=1, max_length=MAX_STAGES)
    signer_id = serializers.UUIDField(required=False, allow_null=True)


class TemplatePatchInput(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    stages = serializers.ListField(
        child=TemplateStageInput(), min_length=1, max_length=MAX_STAGES, required=False
    )
    signer_id = serializers.UUIDField(required=False, allow_null=True)


class DelegationInput(StrictInput):
    deputy_id = serializers.UUIDField()
    from_date = serializers.DateField()
    to_date = serializers.DateField()


# --- Outputs -----------------------------------------------------------------------------


@extend_schema_serializer(component_name="ApprovalPerson")
class PersonOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="ApprovalApprover")
class ApproverOutput(PersonOutput):
    decision = serializers.ChoiceField(
        choices=ApprovalDecision.Decision.choices, allow_null=True,
        help_text=_("Their decision on this stage in the current cycle, or null."),
    )  # fmt: skip
    head_of = serializers.CharField(
        allow_null=True,
        help_text=_('The rule that named them: "author", a department id, or null.'),
    )


@extend_schema_serializer(component_name="ApprovalStage")
class StageOutput(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=ApprovalStage.Kind.choices, help_text=_("signature: the final signer.")
    )
    mode = serializers.ChoiceField(choices=ApprovalStage.Mode.choices)
    duration_hours = serializers.FloatField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    manager_id = serializers.UUIDField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    deadline_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    approvers = ApproverOutput(many=True)


@extend_schema_serializer(component_name="ApprovalSignature")
class DecisionOutput(serializers.Serializer):
    """A decision, recorded as a simple electronic signature."""

    id = serializers.IntegerField()
    stage = serializers.IntegerField()
    approver = PersonOutput()
    deputy = PersonOutput(allow_null=True, help_text=_("Who decided in the approver's place."))
    decision = serializers.ChoiceField(choices=ApprovalDecision.Decision.choices)
    comment = serializers.CharField(allow_blank=True)
    version_id = serializers.UUIDField()
    version_number = serializers.IntegerField()
    version_sha256 = serializers.CharField()
    decided_at = serializers.DateTimeField()
    void = serializers.BooleanField(help_text=_("Made on an earlier version of a restarted route."))
    hash = serializers.CharField()


@extend_schema_serializer(component_name="ApprovalDocumentState")
class DocumentStateOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Document.Status.choices)
    registration_number = serializers.CharField(allow_blank=True)
    registered_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="ApprovalVersion")
class RouteVersionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField()
    sha256 = serializers.CharField()


@extend_schema_serializer(component_name="ApprovalRoute")
class RouteOutput(serializers.Serializer):
    """A route with its stages, approvers and every decision (void ones included)."""

    id = serializers.UUIDField()
    document = DocumentStateOutput()
    status = serializers.ChoiceField(choices=ApprovalRoute.Status.choices)
    on_new_version = serializers.ChoiceField(choices=ApprovalRoute.OnNewVersion.choices)
    cycle = serializers.IntegerField()
    current_stage = serializers.IntegerField(
        allow_null=True, help_text=_("The active stage's number; null once the route ended.")
    )
    version = RouteVersionOutput()
    template_id = serializers.UUIDField(allow_null=True)
    started_by = serializers.UUIDField(allow_null=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    stages = StageOutput(many=True)
    decisions = DecisionOutput(many=True)

    def to_representation(self, instance: ApprovalRoute) -> dict[str, Any]:
        return route_payload(instance)


@extend_schema_serializer(component_name="ApprovalTask")
class InboxTaskOutput(serializers.Serializer):
    document_id = serializers.UUIDField()
    document_name = serializers.CharField()
    route_id = serializers.UUIDField()
    stage = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ApprovalStage.Kind.choices)
    mode = serializers.ChoiceField(choices=ApprovalStage.Mode.choices)
    deadline_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    on_behalf_of = serializers.UUIDField(
        allow_null=True, help_text=_("The approver you would decide for, as their deputy.")
    )
    version_number = serializers.IntegerField()
    started_by = serializers.UUIDField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    link = serializers.CharField(help_text=_("The document's page in the browser client."))


@extend_schema_serializer(component_name="ApprovalTemplateStage")
class TemplateStageOutput(serializers.Serializer):
    approver_ids = serializers.ListField(child=serializers.UUIDField())
    head_of = serializers.ListField(
        child=serializers.CharField(), help_text=_('"author" or department ids.')
    )
    mode = serializers.ChoiceField(choices=ApprovalStage.Mode.choices)
    duration_hours = serializers.IntegerField()
    manager_id = serializers.UUIDField(allow_null=True)


@extend_schema_serializer(component_name="ApprovalTemplate")
class TemplateOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    stages = TemplateStageOutput(many=True)
    signer_id = serializers.UUIDField(allow_null=True)
    created_by = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    editable = serializers.BooleanField(help_text=_("Whether you may change or delete it."))

    def to_representation(self, instance: ApprovalTemplate) -> dict[str, Any]:
        actor = self.context.get("actor")
        return {
            "id": str(instance.pk),
            "name": instance.name,
            "stages": [
                {
                    "approver_ids": list(stage.get("approver_ids", [])),
                    "head_of": list(stage.get("head_of") or []),
                    "mode": stage.get("mode", ApprovalStage.Mode.ALL),
                    "duration_hours": stage.get("duration_hours"),
                    "manager_id": stage.get("manager_id"),
                }
                for stage in instance.stages
            ],
            "signer_id": str(instance.signer_id) if instance.signer_id else None,
            "created_by": str(instance.created_by_id) if instance.created_by_id else None,
            "created_at": instance.created_at.isoformat(),
            "updated_at": instance.updated_at.isoformat(),
            "editable": actor is not None and instance.created_by_id == actor.pk,
        }


@extend_schema_serializer(component_name="ApprovalDelegation")
class DelegationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    principal = PersonOutput()
    deputy = PersonOutput()
    from_date = serializers.DateField()
    to_date = serializers.DateField()
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: ApprovalDelegation) -> dict[str, Any]:
        return {
            "id": str(instance.pk),
            "principal": {"id": str(instance.principal_id), "name": str(instance.principal)},
            "deputy": {"id": str(instance.deputy_id), "name": str(instance.deputy)},
            "from_date": instance.from_date.isoformat(),
            "to_date": instance.to_date.isoformat(),
            "created_at": instance.created_at.isoformat(),
        }


# --- Events ------------------------------------------------------------------------------


class ApprovalEvent(serializers.Serializer):
    """``approval.add`` (a route started) / ``approval.update`` (every later step): to
    everyone with a role on the document and everyone the route names; ``reminder`` and
    ``escalation`` only to the people reminded or escalated to."""

    type = const("approval")
    op = const("add", "update")
    step = serializers.ChoiceField(choices=list(STEPS))
    document_id = serializers.UUIDField()
    route = RouteOutput()


EVENTS = {"approval.add": ApprovalEvent, "approval.update": ApprovalEvent}
