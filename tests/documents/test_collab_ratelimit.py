"""The editing socket's rate limit: a token bucket per socket (COLLAB_MESSAGE_RATE a second,
bursts of COLLAB_MESSAGE_BURST). A flooding socket is closed with 4429
``too_many_messages``; the other editors of the document go on, and nothing it sent past
the limit is stored."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pycrdt
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import override_settings

from documents.collab import protocol, store
from documents.collab.ratelimit import TokenBucket, socket_bucket
from documents.models import DocumentUpdate, Role
from portal import clock
from tests.documents.collab_support import paragraphs, share, y_connect
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_rich_text
from tests.helpers.api import sign_in
from tests.helpers.live import LiveServer


def test_the_bucket_allows_a_burst_then_the_rate() -> None:
    start = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(start) as frozen:
        bucket = TokenBucket(rate=10, burst=5)
        assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]
        frozen.advance(0.25)  # 2.5 tokens back
        assert [bucket.take() for _ in range(3)] == [True, True, False]
        frozen.advance(60)  # never more than the burst
        assert sum(bucket.take() for _ in range(10)) == 5


@override_settings(COLLAB_MESSAGE_RATE=7, COLLAB_MESSAGE_BURST=9)
def test_a_sockets_bucket_comes_from_the_settings() -> None:
    bucket = socket_bucket()
    assert (bucket.rate, bucket.burst) == (7, 9)


def _stored(document_id: Any) -> list[str]:
    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(store.load(document_id).update)
    return paragraphs(doc)


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
async def test_a_flood_closes_that_socket_and_the_others_go_on(daphne_server: LiveServer) -> None:
    owner = await sync_to_async(UserFactory.create)(login="owner")
    flooder = await sync_to_async(UserFactory.create)(login="flooder", agency=owner.agency)
    document = await sync_to_async(make_rich_text)(owner)
    await sync_to_async(share)(document, flooder, Role.EDITOR)
    owner_token = (await sync_to_async(sign_in)(owner))[1].access_token
    flooder_token = (await sync_to_async(sign_in)(flooder))[1].access_token
    burst, flood = settings.COLLAB_MESSAGE_BURST, settings.COLLAB_MESSAGE_BURST * 4
    async with (
        y_connect(daphne_server, document.pk, token=owner_token) as good,
        y_connect(daphne_server, document.pk, token=flooder_token) as bad,
    ):
        await good.add_paragraph("начало")
        await bad.wait_until(lambda: bad.paragraphs() == ["начало"])
        # Each message a real one-character edit, sent as fast as the socket takes them.
        fragment = bad.doc.get("default", type=pycrdt.XmlFragment)
        fragment.children.append(pycrdt.XmlElement("paragraph", {}, [pycrdt.XmlText("")]))
        text = fragment.children[1].children[0]
        updates = []
        for _ in range(flood):
            text.insert(len(str(text)), "x")
        updates, bad._outgoing = bad._outgoing, []  # one update per change, as typed
        assert len(updates) == flood + 1
        for update in updates:
            if bad.conn.close_code:
                break
            try:
                await bad.conn.send(protocol.sync_update(update))
            except Exception:  # closed under us: the server said enough
                break
        assert await bad.closed() == (4429, "too_many_messages")

        # The owner's socket is open and its edits go through, to a newcomer too.
        await good.type_into(0, " и дальше")
        assert not good.conn.close_code
        async with y_connect(daphne_server, document.pk, token=owner_token) as late:
            await late.wait_until(lambda: late.paragraphs()[:1] == ["начало и дальше"])
    # A newcomer is synced from the room, which applies a change before the log has it:
    # wait (bounded) for the log to catch up with the owner's last change.
    stored: list[str] = []
    for _ in range(250):
        stored = await sync_to_async(_stored)(document.pk)
        if stored[:1] == ["начало и дальше"]:
            break
        await asyncio.sleep(0.04)
    assert stored[0] == "начало и дальше"
    assert len(stored) < 2 or len(stored[1]) < flood
    rows = await sync_to_async(DocumentUpdate.objects.filter(document=document).count)()
    # The owner's two changes and at most a burst (and its refill) of the flood's.
    assert rows < 2 + burst + flood // 2
