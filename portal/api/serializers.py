"""Input serializers refuse fields they do not know, naming them, and values of another
JSON type than the schema gives (``"all": 1`` for a boolean, ``"seq": "5"`` for an
integer): what the OpenAPI schema allows is what the server takes."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

# JSON types by field class, most specific first (BooleanField before IntegerField: in
# Python a bool is an int), with the error for a value of another type.
_JSON_TYPES: list[tuple[type[serializers.Field], tuple[type, ...], Any]] = [
    (serializers.BooleanField, (bool,), gettext_lazy("Expected true or false.")),
    (serializers.IntegerField, (int,), gettext_lazy("Expected a whole number.")),
    (serializers.FloatField, (int, float), gettext_lazy("Expected a number.")),
    (serializers.CharField, (str,), gettext_lazy("Expected a string.")),
    (serializers.ChoiceField, (str,), gettext_lazy("Expected a string.")),
    (serializers.UUIDField, (str,), gettext_lazy("Expected a string.")),
    (serializers.DateTimeField, (str,), gettext_lazy("Expected a string.")),
    (serializers.ListField, (list,), gettext_lazy("Expected an array.")),
]


def _json_type_error(field: serializers.Field, value: Any) -> Any | None:
    """Why ``value`` is not of the JSON type the field documents, or None."""
    if value is None:
        return None  # null is the field's own business (allow_null)
    for field_class, types, message in _JSON_TYPES:
        if isinstance(field, field_class):
            is_bool = isinstance(value, bool)
            if not isinstance(value, types) or (is_bool and bool not in types):
                return [str(message)]
            child = getattr(field, "child", None)
            if isinstance(value, list) and child is not None:
                for index, item in enumerate(value):
                    error = _json_type_error(child, item)
                    if error:
                        return {str(index): error}
            return None
    return None


class StrictInput(serializers.Serializer):
    """A write payload: unknown keys are a 400 that names them, not silently dropped, and
    so is a value of another JSON type than its field's."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
        errors: dict[str, Any] = {
            name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))
        }
        for name, item in data.items():
            if name in self.fields and not isinstance(data, QueryDict):
                error = _json_type_error(self.fields[name], item)
                if error:
                    errors[name] = error
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


class UUIDInput(serializers.UUIDField):
    """An id in input: only the canonical form (``8-4-4-4-12`` hex digits), which is what
    the schema's ``format: uuid`` allows; DRF's own field also takes hex without dashes,
    braces and ``urn:uuid:``."""

    default_error_messages = {"invalid": gettext_lazy("Expected an id (a UUID).")}

    def to_internal_value(self, data: Any) -> Any:
        if not (isinstance(data, str) and _CANONICAL_UUID.fullmatch(data)):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class QueryFlag(serializers.BooleanField):
    """A boolean query parameter: ``true`` or ``false``, as the schema documents it."""

    TRUE_VALUES = {"true", True}
    FALSE_VALUES = {"false", False}


def validated_query(serializer_class: type[serializers.Serializer], request: Any) -> Any:
    """The request's query parameters checked by ``serializer_class``, or a 400 naming each
    bad one. An empty value (``?author=``) is a value, checked like any other, as the schema
    has it (DRF would take it for an absent form field); ``cursor`` and ``limit`` are the
    paginator's unless the serializer declares them."""
    fields = serializer_class().fields
    data = {
        key: value
        for key, value in request.query_params.items()
        if key in fields or key not in ("cursor", "limit")
    }
    return validated(serializer_class, data)
