"""Co-editing's reads: named versions and who edited when (any role may read them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from documents.collab.store import HISTORY_GAP, spans_of
from documents.exceptions import DocumentKindMismatch
from documents.models import Document, DocumentUpdate, EditSpan, NamedSnapshot
from documents.selectors import access_document
from portal.accounts.models import User

HISTORY_LIMIT = 1000


def _rich_text(actor: User, document_id: Any) -> Document:
    document, _role = access_document(actor, document_id)
    if document.kind != Document.Kind.RICH_TEXT:
        raise DocumentKindMismatch()
    return document


def snapshots_of(actor: User, document_id: Any) -> QuerySet[NamedSnapshot]:
    """The document's named versions, newest first, with their authors."""
    document = _rich_text(actor, document_id)
    return NamedSnapshot.objects.filter(document=document).select_related("author")


@dataclass(frozen=True)
class HistoryEntry:
    """One author's edits within HISTORY_GAP of each other: first, last, how many."""

    author: User | None
    started_at: dt.datetime
    ended_at: dt.datetime
    updates: int


def history_of(actor: User, document_id: Any) -> list[HistoryEntry]:
    """Who edited the document when, newest first (at most HISTORY_LIMIT entries): the
    spans kept by compaction and those of the log not compacted yet. A run that
    compaction cut in two shows as two entries."""
    document = _rich_text(actor, document_id)
    kept = [
        (span.author_id, span.started_at, span.ended_at, span.updates)
        for span in EditSpan.objects.filter(document=document).order_by("-started_at")[
            :HISTORY_LIMIT
        ]
    ]
    rows = list(
        DocumentUpdate.objects.filter(document=document)
        .order_by("created_at", "seq")
        .values_list("author_id", "created_at")
    )
    spans = kept + spans_of(rows)
    spans.sort(key=lambda s: (s[2], s[1]), reverse=True)
    spans = spans[:HISTORY_LIMIT]
    authors = User.objects.in_bulk({a for a, *_rest in spans if a is not None})
    return [HistoryEntry(authors.get(a), s, e, n) for a, s, e, n in spans]


__all__ = ["HISTORY_GAP", "HistoryEntry", "history_of", "snapshots_of"]
