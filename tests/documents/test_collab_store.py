"""Persistence: the update log, compaction into snapshot objects, restarts."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pycrdt
import pytest
from asgiref.sync import sync_to_async

from documents.collab import store
from documents.models import CollabState, DocumentUpdate, EditSpan
from portal.storage import get_storage
from tests.documents.collab_support import paragraphs, y_connect
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_rich_text
from tests.helpers.api import sign_in
from tests.helpers.live import start_daphne, stop_daphne


def _edit(doc: pycrdt.Doc, text: str) -> bytes:
    before = doc.get_state()
    fragment = doc.get("default", type=pycrdt.XmlFragment)
    fragment.children.append(pycrdt.XmlElement("paragraph", {}, [pycrdt.XmlText(text)]))
    return doc.get_update(before)


@pytest.mark.django_db
def test_compaction_folds_the_log_into_an_object_and_keeps_history() -> None:
    owner = UserFactory.create(login="owner")
    other = UserFactory.create(login="other", agency=owner.agency)
    document = make_rich_text(owner)
    doc: pycrdt.Doc = pycrdt.Doc()
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    for minute, author in [(0, owner), (1, owner), (2, other), (3, owner), (20, owner)]:
        seq = store.append(document.pk, author_id=author.pk, data=_edit(doc, f"{minute}"))
        DocumentUpdate.objects.filter(seq=seq).update(
            created_at=start + dt.timedelta(minutes=minute)
        )
    assert store.compact(document.pk) == 5
    assert not DocumentUpdate.objects.filter(document=document).exists()
    state = CollabState.objects.get(document=document)
    assert (state.snapshot_number, state.snapshot_key) == (1, f"documents/{document.pk}/ydoc/1")
    assert get_storage().stat(state.snapshot_key).size == state.snapshot_size
    spans = list(
        EditSpan.objects.filter(document=document)
        .order_by("started_at", "author__login")
        .values_list("author__login", "started_at", "ended_at", "updates")
    )
    at = [start + dt.timedelta(minutes=m) for m in range(21)]
    assert spans == [
        ("owner", at[0], at[3], 3),  # owner's run goes on around other's edit
        ("other", at[2], at[2], 1),
        ("owner", at[20], at[20], 1),  # more than 5 minutes later: a new entry
    ]
    # More updates after compaction; the document is the snapshot plus the log.
    store.append(document.pk, author_id=owner.pk, data=_edit(doc, "после"))
    loaded: pycrdt.Doc = pycrdt.Doc()
    loaded.apply_update(store.load(document.pk).update)
    assert paragraphs(loaded) == ["0", "1", "2", "3", "20", "после"]
    assert store.compact(document.pk) == 1
    assert CollabState.objects.get(document=document).snapshot_number == 2
    again: pycrdt.Doc = pycrdt.Doc()
    again.apply_update(store.load(document.pk).update)
    assert paragraphs(again) == paragraphs(loaded)


async def _wait_for_rows(document_id: Any, count: int) -> None:
    """Until the server has stored ``count`` updates (stopping it drops what is in flight,
    which a real client sends again when it reconnects)."""
    for _ in range(200):
        rows = await sync_to_async(DocumentUpdate.objects.filter(document=document_id).count)()
        if rows == count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{rows} updates stored, not {count}")


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
async def test_a_restarted_server_serves_the_same_content(
    live_env: dict[str, str], tmp_path: Path
) -> None:
    owner = await sync_to_async(UserFactory.create)(login="owner")
    document = await sync_to_async(make_rich_text)(owner)
    token = (await sync_to_async(sign_in)(owner))[1].access_token
    server = await sync_to_async(start_daphne)(live_env, tmp_path / "first.log")
    try:
        async with y_connect(server, document.pk, token=token) as client:
            await client.add_paragraph("до перезапуска")
            await client.type_into(0, "!")
            await _wait_for_rows(document.pk, 2)
    finally:
        await sync_to_async(stop_daphne)(server)
    # Compacted into storage; what comes after the restart goes to the log.
    assert await sync_to_async(store.compact)(document.pk) == 2

    server = await sync_to_async(start_daphne)(live_env, tmp_path / "second.log")
    try:
        async with y_connect(server, document.pk, token=token) as client:
            assert client.paragraphs() == ["до перезапуска!"]
            await client.add_paragraph("после")
            await _wait_for_rows(document.pk, 1)
    finally:
        await sync_to_async(stop_daphne)(server)
    server = await sync_to_async(start_daphne)(live_env, tmp_path / "third.log")
    try:
        async with y_connect(server, document.pk, token=token) as client:
            assert client.paragraphs() == ["до перезапуска!", "после"]
    finally:
        await sync_to_async(stop_daphne)(server)
