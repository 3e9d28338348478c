"""Helpers shared by the user and organisation admin pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.accounts.models import Department, User


def actor_of(request: HttpRequest) -> User:
    """The signed-in staff member (admin views are only reached by them)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# --- departments as choices ------------------------------------------------------------------


def department_paths(departments: QuerySet[Department] | None = None) -> dict[Any, str]:
    """Each department's path, "Root / Child / Grandchild", from one query of the tree."""
    rows = {
        pk: (name, parent_id)
        for pk, name, parent_id in Department.objects.values_list("pk", "name", "parent_id")
    }
    wanted = rows if departments is None else departments.values_list("pk", flat=True)
    paths: dict[Any, str] = {}
    for pk in wanted:
        names: list[str] = []
        node = pk
        while node is not None and node in rows and len(names) < 100:
            name, node = rows[node]
            names.append(name)
        paths[pk] = " / ".join(reversed(names))
    return paths


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments labelled "Agency — Root / Child", so equal names in different places
    of the tree (every agency has a "Юридический отдел") can be told apart."""

    _paths: dict[Any, str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        if self._paths is None:
            self._paths = department_paths()
        return f"{obj.agency} — {self._paths.get(obj.pk, obj.name)}"


def department_field(db_field: Any, **kwargs: Any) -> DepartmentChoiceField:
    return DepartmentChoiceField(
        queryset=Department.objects.select_related("agency").order_by("agency__name", "name"),
        required=not db_field.blank,
        label=db_field.verbose_name,
        **{k: v for k, v in kwargs.items() if k in ("widget", "help_text")},
    )


# --- users -----------------------------------------------------------------------------------
