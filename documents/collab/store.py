"""Persistence of co-edited documents: the update log in PostgreSQL and its compaction into
snapshot objects in storage (docs/collab.md, "Persistence").

A document's content is always: the object of its ``CollabState`` (if any) merged with
every ``DocumentUpdate`` row still in the log. Updates are appended before they are
relayed, so whatever any editor saw is stored. Compaction folds the rows into a new
snapshot object and deletes exactly the rows it folded (rows appended meanwhile stay), and
keeps who edited when as ``EditSpan`` rows. Everything here is synchronous (callers on the
event loop use ``database_sync_to_async``).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Any

import pycrdt
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length

from documents.models import CollabState, DocumentUpdate, EditSpan
from portal import clock
from portal.storage import get_storage

logger = logging.getLogger(__name__)

# Compact once the log of a document holds this many rows or bytes (checked after appends).
COMPACT_ROWS = 500
COMPACT_BYTES = 4 * 1024 * 1024
# Updates by one author less than this apart are one entry of the history.
HISTORY_GAP = dt.timedelta(minutes=5)


def snapshot_key(document_id: Any, number: int) -> str:
    return f"documents/{document_id}/ydoc/{number}"


def _read_object(key: str) -> bytes:
    with get_storage().get(key) as reader:
        return b"".join(reader)


def _put_object(key: str, data: bytes) -> None:
    get_storage().put(
        key, io.BytesIO(data), length=len(data), content_type="application/octet-stream"
    )


@dataclass(frozen=True)
class Loaded:
    """A document's whole state as one Yjs update, the highest ``seq`` folded into it (0
    for none) and the snapshot number it started from."""

    update: bytes
    last_seq: int
    snapshot_number: int


def load(document_id: Any) -> Loaded:
    """The document's content now: its snapshot object merged with the remaining log.

    Read in one transaction (REPEATABLE READ is not needed: a row compacted between the two
    reads is in the newer snapshot, which this reads again if the number moved)."""
    for _attempt in range(3):
        state = CollabState.objects.filter(document_id=document_id).first()
        number = state.snapshot_number if state else 0
        parts = [_read_object(state.snapshot_key)] if state and state.snapshot_key else []
        rows = list(
            DocumentUpdate.objects.filter(document_id=document_id)
            .order_by("seq")
            .values_list("seq", "data")
        )
        again = CollabState.objects.filter(document_id=document_id).first()
        if (again.snapshot_number if again else 0) == number:
            parts += [bytes(data) for _seq, data in rows]
            last = rows[-1][0] if rows else 0
            return Loaded(_merge(parts), last, number)
    raise RuntimeError(f"document {document_id} kept being compacted while it was loaded")


def _merge(parts: list[bytes]) -> bytes:
    if not parts:
        return pycrdt.Doc().get_update()
    if len(parts) == 1:
        return parts[0]
    return pycrdt.merge_updates(*parts)


def append(document_id: Any, *, author_id: Any, data: bytes) -> int:
    """Store one accepted update (committed on return); its ``seq``."""
    row = DocumentUpdate.objects.create(
        document_id=document_id, author_id=author_id, data=data, created_at=clock.now()
    )
    return int(row.seq)


def append_many(document_id: Any, updates: list[tuple[Any, bytes]]) -> list[int]:
    """Store accepted updates, each (author id, bytes), in one INSERT (committed on
    return); their ``seq``s in the same order."""
    now = clock.now()
    rows = DocumentUpdate.objects.bulk_create(
        DocumentUpdate(document_id=document_id, author_id=a, data=d, created_at=now)
        for a, d in updates
    )
    return [int(row.seq) for row in rows]


def updates_after(document_id: Any, seq: int) -> tuple[list[tuple[int, bytes]], int]:
    """The rows with a greater ``seq`` (to catch up on relays that were lost) and the
    current snapshot number (a room that sees it move loads the snapshot again)."""
    rows = [
        (int(s), bytes(d))
        for s, d in DocumentUpdate.objects.filter(document_id=document_id, seq__gt=seq)
        .order_by("seq")
        .values_list("seq", "data")
    ]
    state = CollabState.objects.filter(document_id=document_id).first()
    return rows, state.snapshot_number if state else 0


def log_size(document_id: Any) -> tuple[int, int]:
    """How many rows and bytes the document's log holds."""
    totals = DocumentUpdate.objects.filter(document_id=document_id).aggregate(
        rows=Count("seq"), size=Sum(Length("data"))
    )
    return int(totals["rows"] or 0), int(totals["size"] or 0)


def needs_compaction(document_id: Any) -> bool:
    rows, size = log_size(document_id)
    return rows >= COMPACT_ROWS or size >= COMPACT_BYTES


def spans_of(
    rows: list[tuple[Any, dt.datetime]],
) -> list[tuple[Any, dt.datetime, dt.datetime, int]]:
    """(author, first, last, count) per run of one author's updates, ``rows`` being
    (author id, time) in time order: a run breaks at another author or a HISTORY_GAP."""
    spans: list[list[Any]] = []
    open_by_author: dict[Any, list[Any]] = {}
    for author, at in rows:
        span = open_by_author.get(author)
        if span is not None and at - span[2] <= HISTORY_GAP:
            span[2] = at
            span[3] += 1
        else:
            span = [author, at, at, 1]
            spans.append(span)
            open_by_author[author] = span
    return [(a, s, e, n) for a, s, e, n in spans]


def compact(document_id: Any) -> int:
    """Fold the document's log into a new snapshot object; the number of rows folded.

    Serialised per document by the ``CollabState`` row lock. The new object is written
    before the rows are deleted, in the same transaction as the state's new key, so a
    failure leaves the old snapshot and the rows (and at worst an unused object)."""
    CollabState.objects.get_or_create(document_id=document_id)
    with transaction.atomic():
        state = CollabState.objects.select_for_update().get(document_id=document_id)
        rows = list(
            DocumentUpdate.objects.filter(document_id=document_id)
            .order_by("seq")
            .values_list("seq", "data", "author_id", "created_at")
        )
        if not rows:
            return 0
        parts = [_read_object(state.snapshot_key)] if state.snapshot_key else []
        merged = _merge(parts + [bytes(r[1]) for r in rows])
        number = state.snapshot_number + 1
        key = snapshot_key(document_id, number)
        _put_object(key, merged)
        EditSpan.objects.bulk_create(
            EditSpan(document_id=document_id, author_id=a, started_at=s, ended_at=e, updates=n)
            for a, s, e, n in spans_of([(r[2], r[3]) for r in rows])
        )
        DocumentUpdate.objects.filter(seq__in=[r[0] for r in rows]).delete()
        previous = state.snapshot_key
        state.snapshot_number = number
        state.snapshot_key = key
        state.snapshot_size = len(merged)
        state.compacted_at = clock.now()
        state.save()
        if previous:
            transaction.on_commit(lambda: _delete_quietly(previous))
    logger.info("document %s: %d updates compacted into %s", document_id, len(rows), key)
    return len(rows)


def _delete_quietly(key: str) -> None:
    try:
        get_storage().delete(key)
    except Exception:  # a leftover object only costs space
        logger.warning("could not delete the old snapshot %s", key, exc_info=True)


def last_seq(document_id: Any) -> int:
    value = DocumentUpdate.objects.filter(document_id=document_id).aggregate(m=Max("seq"))["m"]
    return int(value or 0)
