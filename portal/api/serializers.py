"""Input serializers refuse fields they do not know, naming them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers


class StrictInput(serializers.Serializer):
    """A write payload: unknown keys are a 400 that names them, not silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
        errors: dict[str, Any] = {
            name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))
        }
        known = {key: value for key, value in data.items() if key in self.fields}
        try:
            value = super().to_internal_value(known)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = {**exc.detail, **errors}
        if errors:
            raise serializers.ValidationError(errors)
        return value


def validated(serializer_class: type[serializers.Serializer], data: Any) -> Any:
    """``data`` checked by an input serializer: its validated data, or a 400 that names
    each bad (or unknown) field."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("A stable, machine-readable error code."))
    message = serializers.CharField(
        help_text=gettext_lazy("A text for people, in the user's language.")
    )
    details = serializers.DictField(
        help_text=gettext_lazy(
            "More about the error; for validation errors ``fields`` names each field."
        )
    )


class Error(serializers.Serializer):
    """Every error the API answers, REST and websocket alike (docs/api.md, "Errors")."""

    error = ErrorBody()
