"""Cursor pagination for every list: stable under inserts, no page counting."""

from rest_framework.pagination import CursorPagination

from portal.api.cursors import CheckedCursorMixin


# CheckedCursorMixin (portal/api/cursors.py): a bad ?cursor= is 400 invalid_cursor.
class Cursor(CheckedCursorMixin, CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "limit"
    ordering = "-created_at"
