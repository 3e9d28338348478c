"""The organisation IT staff maintain: agencies, the department tree, and the groups and
permissions granted to users. Every change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.exceptions import OrgInvalid, OrgUnitInUse
from portal.accounts.models import Agency, Department, User
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.realtime import publish

# Far more levels than any agency has; refusing deeper trees keeps every walk up it short.
MAX_DEPTH = 50


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


# --- agencies --------------------------------------------------------------------------------


def agency_save(
    *,
    actor: User | None,
    agency: Agency | None,
    name: str,
    short_name: str,
    require_2fa: bool,
    context: RequestContext,
) -> Agency:
    """Create an agency (``agency`` None) or change one. The name must be unique; turning
    ``require_2fa`` on or off is audited as its own event, since it changes how every
    user of the agency signs in."""
    name, short_name = name.strip(), short_name.strip()
    if not name:
        raise OrgInvalid(_("The name is required."), field="name", reason="required")
    with transaction.atomic():
        taken = Agency.objects.filter(name=name)
        if agency is not None:
            taken = taken.exclude(pk=agency.pk)
        if taken.exists():
            raise OrgInvalid(
                _("An agency with this name already exists."), field="name", reason="name_taken"
            )
        after = {"name": name, "short_name": short_name, "require_2fa": require_2fa}
        if agency is None:
            saved = Agency.objects.create(**after)
            audit.record(
                "agency.created", actor=actor, context=context, target=saved, details=after
            )
            return saved
        saved = Agency.objects.select_for_update().get(pk=agency.pk)
        before = {"name": saved.name, "short_name": saved.short_name,
                  "require_2fa": saved.require_2fa}  # fmt: skip
        changes = _changes(before, after)
        if not changes:
            return saved
        saved.name, saved.short_name, saved.require_2fa = name, short_name, require_2fa
        saved.save(update_fields=["name", "short_name", "require_2fa"])
        audit.record(
            "agency.changed", actor=actor, context=context, target=saved,
            details={"changes": changes},
        )  # fmt: skip
        if "require_2fa" in changes:
            audit.record(
                "agency.require_2fa_changed", actor=actor, context=context, target=saved,
                details={"before": before["require_2fa"], "after": require_2fa},
            )  # fmt: skip
    return saved


def agency_delete(*, actor: User | None, agency: Agency, context: RequestContext) -> None:
    """Delete an agency and its (empty) department tree; refused while it has users."""
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        if User.objects.filter(agency=locked).exists():
            raise OrgUnitInUse(_("The agency still has users."), reason="has_users")
        audit.record(
            "agency.deleted", actor=actor, context=context, target=locked,
            details={"name": locked.name, "departments": locked.departments.count()},
        )  # fmt: skip
        # Children first: a department's parent link is PROTECT.
        departments = list(Department.objects.filter(agency=locked))
        by_depth = sorted(departments, key=lambda d: -len(d.ancestors()))
        for department in by_depth:
            department.delete()
        locked.delete()


# --- departments -----------------------------------------------------------------------------


def department_path(department: Department) -> str:
    """The department's place in the tree: "Root / Child / Grandchild"."""
    return " / ".join(d.name for d in [*reversed(department.ancestors()), department])


def department_check(
    *,
    department: Department | None,
    agency: Agency,
    parent: Department | None,
    name: str,
    head: User | None = None,
) -> None:
    """Raise OrgInvalid (naming the field) unless ``department`` (None: a new one) may be
    saved with these values: the parent is in the same agency and not the department itself
    or below it; no sibling has the name; a department with users or sub-departments stays
    in its agency; the head, if any, is an active person (not a bot) of the agency. Reads
    only; ``department_save`` calls it, and admin forms do too."""
    if head is not None and (head.agency_id != agency.pk or not head.is_active or head.is_bot):
        raise OrgInvalid(
            _("The head must be an active person of the same agency."),
            field="head", reason="head_invalid",
        )  # fmt: skip
    if parent is not None:
        if parent.agency_id != agency.pk:
            raise OrgInvalid(
                _("The parent department belongs to another agency."),
                field="parent", reason="parent_other_agency",
            )  # fmt: skip
        lineage = [parent, *parent.ancestors()]
        if department is not None and department.pk in {d.pk for d in lineage}:
            raise OrgInvalid(
                _("A department cannot be placed inside itself or one of its sub-departments."),
                field="parent", reason="parent_cycle",
            )  # fmt: skip
        if len(lineage) >= MAX_DEPTH:
            raise OrgInvalid(
                _("The department tree is too deep."), field="parent", reason="too_deep"
            )
    siblings = Department.objects.filter(agency=agency, parent=parent, name=name)
    if department is not None:
        siblings = siblings.exclude(pk=department.pk)
    if siblings.exists():
        raise OrgInvalid(
            _("A department with this name already exists at this place in the tree."),
            field="name", reason="name_taken",
        )  # fmt: skip
    if (
        department is not None
        and department.agency_id != agency.pk
        and (department.children.exists() or User.objects.filter(department=department).exists())
    ):
        raise OrgInvalid(
            _("A department with users or sub-departments cannot move to another agency."),
            field="agency", reason="agency_change_in_use",
        )  # fmt: skip


def _notify_moved(department: Department) -> None:
    """Device policies are inherited down the tree: after a move, every user below the
    department may have a different effective policy."""
    from portal.devices import events as device_events
    from portal.devices import selectors as device_selectors

    device_selectors.bump_policy_generation()
    user_ids = list(
        User.objects.filter(
            is_active=True, department_id__in=department.descendant_ids()
        ).values_list("pk", flat=True)
    )
    if user_ids:
        event, recipients = device_events.policy_updated_event(sorted(user_ids, key=str))
        publish(event, user_ids=recipients)


def department_save(
    *,
    actor: User | None,
    department: Department | None,
    agency: Agency,
    parent: Department | None,
    name: str,
    head: User | None,
    context: RequestContext,
) -> Department:
    """Create a department (``department`` None) or change one.

    The parent must be in the same agency and not below the department (no cycles); names
    are unique among siblings; a department with users or sub-departments keeps its
    agency; the head is an active person of the agency. Moving a department re-publishes
    the device policy of the users below it.
    """
    name = name.strip()
    if not name:
        raise OrgInvalid(_("The name is required."), field="name", reason="required")
    with transaction.atomic():
        locked = (
            Department.objects.select_for_update().get(pk=department.pk)
            if department is not None
            else None
        )
        department_check(department=locked, agency=agency, parent=parent, name=name, head=head)
        after = {"agency": str(agency.pk), "parent": str(parent.pk) if parent else None,
                 "name": name, "head": str(head.pk) if head else None}  # fmt: skip
        if locked is None:
            saved = Department.objects.create(agency=agency, parent=parent, name=name, head=head)
            audit.record(
                "department.created", actor=actor, context=context, target=saved,
                details={**after, "path": department_path(saved)},
            )  # fmt: skip
            return saved
        before = {"agency": str(locked.agency_id),
                  "parent": str(locked.parent_id) if locked.parent_id else None,
                  "name": locked.name,
                  "head": str(locked.head_id) if locked.head_id else None}  # fmt: skip
        changes = _changes(before, after)
        if not changes:
            return locked
        locked.agency, locked.parent, locked.name, locked.head = agency, parent, name, head
        locked.save(update_fields=["agency", "parent", "name", "head"])
        audit.record(
            "department.changed", actor=actor, context=context, target=locked,
            details={"changes": changes, "path": department_path(locked)},
        )  # fmt: skip
        if "parent" in changes:
            _notify_moved(locked)
    return locked


def department_delete(
    *, actor: User | None, department: Department, context: RequestContext
) -> None:
    """Delete an empty department; refused while it has users or sub-departments."""
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        if User.objects.filter(department=locked).exists():
            raise OrgUnitInUse(_("The department still has users."), reason="has_users")
        if locked.children.exists():
            raise OrgUnitInUse(
                _("The department still has sub-departments."), reason="has_children"
            )
        audit.record(
            "department.deleted", actor=actor, context=context, target=locked,
            details={"path": department_path(locked), "agency": str(locked.agency_id)},
        )  # fmt: skip
        locked.delete()


# --- groups and permissions ------------------------------------------------------------------


def _perm_names(permissions: Iterable[Permission]) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


def user_permissions_set(
    *,
    actor: User,
    user: User,
    groups: Iterable[Group] | None,
    permissions: Iterable[Permission] | None,
    context: RequestContext,
) -> None:
    """Replace the user's groups and/or direct permissions (None: leave as they are);
    a change is audited as ``admin.user_permissions_changed`` with before and after."""
    with transaction.atomic():
        before = {
            "groups": sorted(g.name for g in user.groups.all()),
            "permissions": _perm_names(user.user_permissions.select_related("content_type")),
        }
        if groups is not None:
            user.groups.set(list(groups))
        if permissions is not None:
            user.user_permissions.set(list(permissions))
        after = {
            "groups": sorted(g.name for g in user.groups.all()),
            "permissions": _perm_names(user.user_permissions.select_related("content_type")),
        }
        if before != after:
            audit.record(
                "admin.user_permissions_changed", actor=actor, context=context, target=user,
                details={"before": before, "after": after},
            )  # fmt: skip
