"""The editing socket on a live daphne: sync, convergence, roles, revocation, bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pycrdt
import pytest
from asgiref.sync import sync_to_async

from documents.collab import protocol, store
from documents.models import DocumentUpdate, Role
from tests.documents.collab_support import rich_document, share, unshare, y_connect
from tests.factories.accounts import UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import LiveServer, daphne_server, daphne_server_b, live_env  # noqa: F401

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def _token(user: Any) -> str:
    return str(sign_in(user)[1].access_token)


@pytest.fixture
def setup() -> dict[str, Any]:
    owner = UserFactory(login="owner")
    editor = UserFactory(login="editor", agency=owner.agency)
    viewer = UserFactory(login="viewer", agency=owner.agency)
    outsider = UserFactory(login="outsider", agency=owner.agency)
    document = rich_document(owner)
    editor_share = share(document, editor, Role.EDITOR)
    share(document, viewer, Role.VIEWER)
    return {
        "document": document, "editor_share": editor_share,
        "owner": _token(owner), "editor": _token(editor), "viewer": _token(viewer),
        "outsider": _token(outsider),
    }  # fmt: skip


def _stored_paragraphs(document_id: Any) -> list[str]:
    from tests.documents.collab_support import paragraphs

    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(store.load(document_id).update)
    return paragraphs(doc)


async def test_two_editors_converge_and_the_log_has_it(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    document_id = setup["document"].pk
    async with (
        y_connect(daphne_server, document_id, token=setup["owner"]) as a,
        y_connect(daphne_server, document_id, token=setup["editor"]) as b,
    ):
        await a.add_paragraph("Привет")
        await b.wait_until(lambda: b.paragraphs() == ["Привет"])
        await b.type_into(0, ", мир")
        await a.wait_until(lambda: a.paragraphs() == ["Привет, мир"])
    stored = await sync_to_async(_stored_paragraphs)(document_id)
    assert stored == ["Привет, мир"]
    # A later socket gets it from the room (or the log) in its sync step 2.
    async with y_connect(daphne_server, document_id, token=setup["viewer"]) as c:
        assert c.paragraphs() == ["Привет, мир"]


async def test_viewer_receives_updates_but_its_own_are_refused(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    document_id = setup["document"].pk
    async with (
        y_connect(daphne_server, document_id, token=setup["owner"]) as owner,
        y_connect(daphne_server, document_id, token=setup["viewer"]) as viewer,
    ):
        await viewer.wait_until(lambda: viewer.denied == ["read_only"])
        await owner.add_paragraph("Текст владельца")
        await viewer.wait_until(lambda: viewer.paragraphs() == ["Текст владельца"])
        await viewer.add_paragraph("Правка читателя")
        await viewer.type_into(0, "!")
        await asyncio.sleep(0.5)
        assert owner.paragraphs() == ["Текст владельца"]
        assert viewer.denied == ["read_only"]  # said once
        assert not viewer.conn.close_code  # and the socket stays open
    assert await sync_to_async(_stored_paragraphs)(document_id) == ["Текст владельца"]
    authors = await sync_to_async(
        lambda: set(DocumentUpdate.objects.filter(document=document_id).values_list(
            "author__login", flat=True))
    )()  # fmt: skip
    assert authors == {"owner"}
