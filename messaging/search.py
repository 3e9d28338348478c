"""Full-text search over the messages a user can read.

On PostgreSQL: Russian and English stemming together (a query for "бюджет" finds
"бюджета", one for "meeting" finds "meetings"), ranked, with highlighted snippets. The
stored ``Message.search_vector`` and its GIN index serve the match and the ranking. In
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
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.html import escape

from messaging.models import Attachment, Membership, Mention, Message
from messaging.selectors import for_payload, not_hidden_from
from portal.accounts.models import User

# Markers ts_headline puts around matches; the snippet is escaped, then they become <mark>.
_START, _STOP = "\x02", "\x03"
# Only the newest this many matches are ranked. A common word matches a large part of the
# corpus (in the benchmark "бюджет" matches 84,000 of 1,000,000 messages) and ranking all
# of them took seconds for a reader of many conversations; the newest ones are found
# through the created_at index without reading the others (docs/performance.md).
CANDIDATES = 1000


@dataclass(frozen=True)
class SearchFilters:
    """Optional narrowing of a search: one conversation, one author, sent in
    [since, until), with at least one attachment, mentioning the actor."""

    conversation_id: Any = None
    author_id: Any = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    has_file: bool = False
    mentions_me: bool = False


def _readable(actor: User, filters: SearchFilters) -> QuerySet[Message]:
    # The conversations as a list of ids rather than a join: PostgreSQL then knows how
    # many messages they hold (column statistics) and picks the plan that suits a member
    # of a few conversations (the GIN index) or of all (the created_at index).
    conversations = Membership.objects.filter(user=actor, left_at__isnull=True)
    messages = Message.objects.filter(
        conversation_id__in=list(conversations.values_list("conversation_id", flat=True)),
        kind=Message.Kind.TEXT,
        deleted_at__isnull=True,
    ).filter(not_hidden_from(actor))
    if filters.conversation_id:
        messages = messages.filter(conversation_id=filters.conversation_id)
    if filters.author_id:
        messages = messages.filter(author_id=filters.author_id)
    if filters.since:
        messages = messages.filter(created_at__gte=filters.since)
    if filters.until:
        messages = messages.filter(created_at__lt=filters.until)
    if filters.has_file:
        messages = messages.filter(Exists(Attachment.objects.filter(message=OuterRef("pk"))))
    if filters.mentions_me:
        messages = messages.filter(pk__in=Mention.objects.filter(user=actor).values("message_id"))
    return messages


def _snippet(raw: str) -> str:
    return escape(raw).replace(_START, "<mark>").replace(_STOP, "</mark>")


def search_messages(
    *, actor: User, query: str, filters: SearchFilters, limit: int = 50
) -> list[tuple[Message, str]]:
    """Messages the actor can read now and has not hidden that match ``query``, best first,
    each with an HTML-safe snippet in which matches are wrapped in <mark>.

    "Best" is by rank among the newest ``CANDIDATES`` matches (newest first among equal
    ranks); each message comes with its conversation, reactions, poll and attachments
    loaded in bulk, ready for ``message_payload``.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    messages = _readable(actor, filters)
    if connection.vendor != "postgresql":
        found = for_payload(messages.filter(body__icontains=query)).select_related("conversation")
        found = found.order_by("-created_at", "-id")
        return [(m, escape(m.body[:300])) for m in found[:limit]]
    russian = SearchQuery(query, config="russian", search_type="websearch")
    english = SearchQuery(query, config="english", search_type="websearch")
    either = russian | english
    headline = SearchHeadline(
        "body", either, config="russian", start_sel=_START, stop_sel=_STOP,
        max_words=30, min_words=10, max_fragments=2,
    )  # fmt: skip
    newest = (
        messages.filter(search_vector=either)
        .order_by("-created_at", "-id")
        .values("pk")[:CANDIDATES]
    )
    matches = (
        for_payload(Message.objects.filter(pk__in=newest))
        .select_related("conversation")
        .annotate(rank=SearchRank(F("search_vector"), either), snippet=headline)
        .order_by("-rank", "-created_at", "-id")[:limit]
    )
    return [(m, _snippet(m.snippet)) for m in matches]
