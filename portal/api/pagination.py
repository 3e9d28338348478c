"""One envelope for every list: ``{"results": [...], "next": cursor|null, "previous":
cursor|null}``. A client passes ``next`` (or ``previous``) back as ``?cursor=`` and may set
``?limit=`` (1–200, default 50); a cursor is opaque. Querysets page with :class:`Cursor`
(stable under inserts, no page counting); lists keyed by a message ``seq`` page with
:class:`SeqCursor`; short bounded lists come whole in one page (:class:`SinglePage`)."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterable
from typing import Any
from urllib import parse

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response

from portal.api.cursors import CheckedCursorMixin, InvalidCursor
from portal.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}


def page(results: Iterable[Any], *, next: str | None, previous: str | None) -> dict[str, Any]:
    """The list envelope."""
    return {"results": list(results), "next": next, "previous": previous}


def _cursor_schema(description: Any) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description}


class Envelope:
    """How every paginator documents the envelope (one schema, whatever the paginator)."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next", "previous"],
            "properties": {
                "results": schema,
                "next": _cursor_schema(_("Pass as ?cursor= for the next page; null at the end.")),
                "previous": _cursor_schema(_("Pass as ?cursor= for the page before; or null.")),
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": _("A next or previous value of an earlier page."),
                "schema": {"type": "string"},
            },
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": _("Items per page: 1 to 200, 50 by default."),
                "schema": LIMIT_SCHEMA,
            },
        ]


class Cursor(CheckedCursorMixin, Envelope, CursorPagination):
    """Queryset pages; a bad ?cursor= is 400 invalid_cursor (CheckedCursorMixin,
    portal/api/cursors.py)."""

    page_size = DEFAULT_LIMIT
    max_page_size = MAX_LIMIT
    page_size_query_param = "limit"
    ordering = "-created_at"

    def encode_cursor(self, cursor: Any) -> str:
        """The bare cursor (what DRF puts in the ``cursor`` parameter of its links)."""
        tokens: dict[str, Any] = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        return b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")

    def get_page_size(self, request: Any) -> int:
        return page_limit(request)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(page(data, next=self.get_next_link(), previous=self.get_previous_link()))


class SeqCursor(Envelope, BasePagination):
    """Messages paged by their ``seq``: the cursor is the seq to continue from (before it
    for history, after it for a thread). The view does the paging with :func:`seq_params`."""


def page_limit(request: Any) -> int:
    """``?limit=``: 1 to 200, 50 when not given; anything else (an empty value too) is a
    400 naming it."""
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= MAX_LIMIT):
        raise InvalidInput(limit=[_("A whole number from 1 to 200.")])
    return int(raw)


def seq_params(request: Any) -> tuple[int | None, int]:
    """``(cursor seq or None, limit)`` from the query, or a 400 naming the bad one."""
    raw_cursor, limit = request.query_params.get("cursor"), page_limit(request)
    if raw_cursor is None:
        return None, limit
    if not (raw_cursor.isascii() and raw_cursor.isdigit()) or len(raw_cursor) > 18:
        raise InvalidCursor()
    return int(raw_cursor), limit


class SinglePage(Envelope, BasePagination):
    """A bounded list that comes whole: ``next`` and ``previous`` are always null."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []


def paginated(request: Any, view: Any, queryset: Any, render: Any) -> Response:
    """A page of ``queryset`` by the view's ``pagination_class`` (a :class:`Cursor`), each
    row through ``render``, in the envelope."""
    paginator = view.pagination_class()
    rows = paginator.paginate_queryset(queryset, request, view=view) or []
    return paginator.get_paginated_response([render(row) for row in rows])
