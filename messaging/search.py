"""Full-text search over the messages a user can read.

On PostgreSQL: Russian and English stemming together (a query for "бюджет" finds
"бюджета", one for "meeting" finds "meetings"), ranked, with highlighted snippets. In
embedded mode (SQLite) a plain substring match stands in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.db import connection
from django.db.models import QuerySet
from django.utils.html import escape

from messaging.models import SEARCH_VECTOR, Mention, Message
from portal.accounts.models import User

# Markers ts_headline puts around matches; the snippet is escaped, then they become <mark>.
_START, _STOP = "\x02", "\x03"


@dataclass(frozen=True)
class SearchFilters:
    conversation_id: Any = None
    author_id: Any = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    mentions_me: bool = False


def _readable(actor: User, filters: SearchFilters) -> QuerySet[Message]:
    messages = Message.objects.filter(
        conversation__memberships__user=actor,
        conversation__memberships__left_at__isnull=True,
        kind=Message.Kind.TEXT,
        deleted_at__isnull=True,
    )
    if filters.conversation_id:
        messages = messages.filter(conversation_id=filters.conversation_id)
    if filters.author_id:
        messages = messages.filter(author_id=filters.author_id)
    if filters.since:
        messages = messages.filter(created_at__gte=filters.since)
    if filters.until:
        messages = messages.filter(created_at__lt=filters.until)
    if filters.mentions_me:
        messages = messages.filter(pk__in=Mention.objects.filter(user=actor).values("message_id"))
    return messages


def _snippet(raw: str) -> str:
    return escape(raw).replace(_START, "<mark>").replace(_STOP, "</mark>")


def search_messages(
    *, actor: User, query: str, filters: SearchFilters, limit: int = 50
) -> list[tuple[Message, str]]:
    """Messages the actor can read now that match ``query``, best first, each with an
    HTML-safe snippet in which matches are wrapped in <mark>."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    messages = _readable(actor, filters).select_related("conversation")
    if connection.vendor != "postgresql":
        found = messages.filter(body__icontains=query).order_by("-created_at")[:limit]
        return [(m, escape(m.body[:300])) for m in found]
    vector = SEARCH_VECTOR
    russian = SearchQuery(query, config="russian", search_type="websearch")
    english = SearchQuery(query, config="english", search_type="websearch")
    either = russian | english
    headline = SearchHeadline(
        "body", either, config="russian", start_sel=_START, stop_sel=_STOP,
        max_words=30, min_words=10, max_fragments=2,
    )  # fmt: skip
    matches = (
        messages.annotate(vector=vector)
        .filter(vector=either)
        .annotate(rank=SearchRank(vector, either), snippet=headline)
        .order_by("-rank", "-created_at")[:limit]
    )
    return [(m, _snippet(m.snippet)) for m in matches]
