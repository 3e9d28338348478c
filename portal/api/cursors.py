"""Strict decoding of DRF pagination cursors: a cursor that is not one we issued is a 400.

DRF's ``CursorPagination.decode_cursor`` answers 404 for some bad cursors, silently caps
an offset over ``offset_cutoff`` (a wrong page), and passes any position straight into the
query, so ``p=%00`` or a position that is not a value of the ordering field ends in a 500.
``CheckedCursorMixin`` replaces the decoding only; whatever a paginator does with the
decoded cursor is unchanged, so any ``CursorPagination`` subclass can take it first in its
bases.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import Cursor as DecodedCursor

from portal.api.parsers import has_bad_text
from portal.errors import PortalError

# Far longer than any cursor we issue (a position is at most a UUID or a timestamp).
MAX_CURSOR_CHARS = 1000


class InvalidCursor(PortalError):
    code = "invalid_cursor"
    status = 400
    default_message = _("The cursor is invalid: pass the next or previous value of a page.")


def decode_cursor_value(
    encoded: str, *, offset_cutoff: int, model: type[Model] | None, ordering: Any
) -> DecodedCursor:
    """The cursor ``encoded`` (as DRF's ``encode_cursor`` writes it), or InvalidCursor.

    It must be base64 of an ASCII query string with at most the keys ``o`` (an offset from
    0 to ``offset_cutoff``), ``r`` (``0`` or ``1``) and ``p`` (a value the first ordering
    field of ``model`` accepts), each once."""
    if not encoded or len(encoded) > MAX_CURSOR_CHARS or not encoded.isascii():
        raise InvalidCursor()
    try:
        querystring = base64.b64decode(encoded, validate=True).decode("ascii")
        pairs = parse_qsl(
            querystring, keep_blank_values=True, strict_parsing=bool(querystring), errors="strict"
        )
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc
    tokens = dict(pairs)
    if len(tokens) != len(pairs) or not set(tokens) <= {"o", "r", "p"}:
        raise InvalidCursor()
    offset_text = tokens.get("o", "0")
    if not (offset_text.isascii() and offset_text.isdigit()) or int(offset_text) > offset_cutoff:
        raise InvalidCursor()
    if tokens.get("r", "0") not in {"0", "1"}:
        raise InvalidCursor()
    position = tokens.get("p")
    if position is not None:
        _check_position(position, model=model, ordering=ordering)
    # The stubs type the position as an int; DRF keeps the text it decoded.
    return DecodedCursor(
        offset=int(offset_text),
        reverse=tokens.get("r") == "1",
        position=position,  # type: ignore[arg-type]
    )


def _check_position(position: str, *, model: type[Model] | None, ordering: Any) -> None:
    if has_bad_text(position):
        raise InvalidCursor()
    if model is None or not ordering:
        return
    first = ordering if isinstance(ordering, str) else ordering[0]
    try:
        field = model._meta.get_field(first.lstrip("-"))
    except FieldDoesNotExist:
        return  # an annotation: the database judges the value
    if not isinstance(field, Field):
        return
    try:
        value = field.to_python(position)
        field.run_validators(value)  # an integer out of the column's range, a text too long
        field.get_prep_value(value)
    except (ValidationError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


class CheckedCursorMixin:
    """Put first in the bases of a ``CursorPagination``: a bad ``?cursor=`` is 400
    ``invalid_cursor`` (InvalidCursor), never a 404, a capped offset or a 500."""

    cursor_query_param: str
    offset_cutoff: int
    ordering: Any
    _cursor_model: type[Model] | None = None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._cursor_model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)  # type: ignore[misc]

    def decode_cursor(self, request: Any) -> DecodedCursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        return decode_cursor_value(
            encoded,
            offset_cutoff=self.offset_cutoff,
            model=self._cursor_model,
            ordering=self.ordering,
        )
