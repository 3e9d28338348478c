"""The editing socket on a live daphne: sync, convergence, roles, revocation, bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pycrdt
import pytest
from asgiref.sync import sync_to_async

from documents.collab import protocol, store
from documents.models import DocumentUpdate, Role
from tests.documents.collab_support import share, unshare, y_connect
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory
from tests.factories.documents import make_document, make_rich_text
from tests.helpers.api import sign_in
from tests.helpers.live import MAX_MESSAGE_BYTES, LiveServer

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def _token(user: Any) -> str:
    return str(sign_in(user)[1].access_token)


@pytest.fixture
def setup() -> dict[str, Any]:
    owner = UserFactory.create(login="owner")
    editor = UserFactory.create(login="editor", agency=owner.agency)
    viewer = UserFactory.create(login="viewer", agency=owner.agency)
    outsider = UserFactory.create(login="outsider", agency=owner.agency)
    document = make_rich_text(owner)
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


async def test_revoking_a_share_disconnects_and_lowering_it_makes_read_only(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    document = setup["document"]
    async with (
        y_connect(daphne_server, document.pk, token=setup["owner"]) as owner,
        y_connect(daphne_server, document.pk, token=setup["editor"]) as editor,
    ):
        await editor.add_paragraph("до")
        await owner.wait_until(lambda: owner.paragraphs() == ["до"])
        await sync_to_async(unshare)(setup["editor_share"], role=Role.VIEWER)
        await editor.wait_until(lambda: editor.denied == ["read_only"], timeout=5)
        await editor.type_into(0, " после")
        await asyncio.sleep(0.5)
        assert owner.paragraphs() == ["до"]
        await sync_to_async(unshare)(setup["editor_share"])
        code, reason = await editor.closed(timeout=5)
        assert (code, reason) == (4404, "document_not_found")
        await owner.add_paragraph("владелец на месте")  # the room goes on
        assert not owner.conn.close_code


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"\x07", "malformed_message"),  # unknown message type
        (b"\x00\x05\x00", "malformed_message"),  # unknown sync type
        (b"\x00\x02\x80\x80", "malformed_message"),  # truncated varUint
        (b"\x00\x02" + b"\xff" * 9, "malformed_message"),  # over-long varUint
        (b"\x00\x02\x05ab", "malformed_message"),  # truncated byte array
        (protocol.sync_update(b"\x01\x02garbage"), "malformed_message"),  # not a Yjs update
        (protocol.sync_update(b"\x00\x00") + b"x", "malformed_message"),  # trailing bytes
        (protocol.awareness(b"\x01\x05\x01\x03{x}"), "malformed_message"),  # state not JSON
        (protocol.sync_step1(b"\xff\xff"), "malformed_message"),  # bad state vector
    ],
)
async def test_malformed_message_closes_that_socket_only(
    daphne_server: LiveServer, setup: dict[str, Any], message: bytes, reason: str
) -> None:
    document_id = setup["document"].pk
    async with (
        y_connect(daphne_server, document_id, token=setup["owner"]) as good,
        y_connect(daphne_server, document_id, token=setup["editor"]) as bad,
    ):
        await good.add_paragraph("цел")
        await bad.wait_until(lambda: bad.paragraphs() == ["цел"])
        await bad.conn.send(message)
        assert await bad.closed() == (4400, reason)
        await good.type_into(0, " и невредим")
        async with y_connect(daphne_server, document_id, token=setup["viewer"]) as late:
            await late.wait_until(lambda: late.paragraphs() == ["цел и невредим"])
    assert await sync_to_async(_stored_paragraphs)(document_id) == ["цел и невредим"]


async def test_text_and_oversized_messages_are_refused(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    document_id = setup["document"].pk
    async with y_connect(daphne_server, document_id, token=setup["owner"]) as client:
        await client.conn.send("hello")
        assert await client.closed() == (4400, "binary_messages_only")
    async with y_connect(daphne_server, document_id, token=setup["owner"]) as client:
        # Over the server's 1 MiB message limit: refused before the application reads it.
        await client.conn.send(protocol.sync_update(b"\x00" * (MAX_MESSAGE_BYTES + 1)))
        code, _reason = await client.closed()
        assert code == 1009
    # A large paste makes one update well over 64 KB: it is taken like any other.
    pasted = "я" * 150_000
    async with y_connect(daphne_server, document_id, token=setup["owner"]) as client:
        await client.add_paragraph(pasted)
        async with y_connect(daphne_server, document_id, token=setup["viewer"]) as reader:
            await reader.wait_until(lambda: pasted in reader.paragraphs())


async def test_awareness_is_relayed_and_removed_when_the_socket_leaves(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    document_id = setup["document"].pk
    async with y_connect(daphne_server, document_id, token=setup["owner"]) as a:
        async with y_connect(daphne_server, document_id, token=setup["viewer"]) as b:
            await b.set_awareness(4242, 1, '{"user":{"name":"Читатель"}}')
            await a.wait_until(lambda: a.awareness.get(4242) == '{"user":{"name":"Читатель"}}')
            # Another socket may not speak for that client: ignored (y-websocket's provider
            # sends back the states it hears of, so this is not an error).
            await a.set_awareness(4242, 2, "null")
            await a.set_awareness(a.doc.client_id, 1, '{"user":{"name":"Владелец"}}')
            await b.wait_until(lambda: a.doc.client_id in b.awareness)
            assert b.awareness[4242] == '{"user":{"name":"Читатель"}}'
            assert not a.conn.close_code
        async with y_connect(daphne_server, document_id, token=setup["editor"]) as c:
            await asyncio.sleep(0.3)
            assert 4242 not in c.awareness


@pytest.mark.parametrize("who", ["anonymous", "outsider", "bad_token"])
async def test_who_may_not_connect(
    daphne_server: LiveServer, setup: dict[str, Any], who: str
) -> None:
    token = {"anonymous": None, "outsider": setup["outsider"], "bad_token": "pat_nope"}[who]
    expected = {
        "anonymous": (4401, "not_authenticated"),
        "outsider": (4404, "document_not_found"),
        "bad_token": (4401, "token_invalid"),
    }[who]
    async with y_connect(daphne_server, setup["document"].pk, token=token, sync=False) as c:
        assert await c.closed() == expected


async def test_a_file_document_is_not_edited(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    owner = setup["document"].created_by
    document = await sync_to_async(make_document)(owner)
    async with y_connect(daphne_server, document.pk, token=setup["owner"], sync=False) as c:
        assert await c.closed() == (4404, "document_kind_mismatch")


async def test_editors_on_two_processes_converge(
    daphne_server: LiveServer, daphne_server_b: LiveServer, setup: dict[str, Any]
) -> None:
    document_id = setup["document"].pk
    async with (
        y_connect(daphne_server, document_id, token=setup["owner"]) as a,
        y_connect(daphne_server_b, document_id, token=setup["editor"]) as b,
        y_connect(daphne_server_b, document_id, token=setup["viewer"]) as viewer,
    ):
        await a.add_paragraph("Первый")
        await b.wait_until(lambda: b.paragraphs() == ["Первый"])
        await b.add_paragraph("Второй")
        await a.type_into(0, "!")
        expected = ["Второй", "Первый!"]
        await a.wait_until(lambda: sorted(a.paragraphs()) == expected)
        await b.wait_until(lambda: sorted(b.paragraphs()) == expected)
        await viewer.wait_until(lambda: sorted(viewer.paragraphs()) == expected)
        await b.set_awareness(b.doc.client_id, 1, '{"user":{"name":"Редактор"}}')
        await a.wait_until(lambda: b.doc.client_id in a.awareness)
    assert sorted(await sync_to_async(_stored_paragraphs)(document_id)) == ["Второй", "Первый!"]


async def test_a_restore_is_seen_live_on_every_process(
    daphne_server: LiveServer, daphne_server_b: LiveServer, setup: dict[str, Any]
) -> None:
    from documents.services.collab import snapshot_create, snapshot_restore

    document = setup["document"]
    owner = document.created_by
    async with (
        y_connect(daphne_server, document.pk, token=setup["owner"]) as a,
        y_connect(daphne_server_b, document.pk, token=setup["viewer"]) as b,
    ):
        await a.add_paragraph("Утверждённая редакция")
        await b.wait_until(lambda: b.paragraphs() == ["Утверждённая редакция"])
        snapshot = await sync_to_async(snapshot_create)(
            actor=owner, document_id=document.pk, name="Утверждено"
        )
        await a.type_into(0, " (испорчена)")
        await a.add_paragraph("лишнее")
        await b.wait_until(
            lambda: b.paragraphs() == ["Утверждённая редакция (испорчена)", "лишнее"]
        )
        await sync_to_async(snapshot_restore)(
            actor=owner, document_id=document.pk, snapshot_id=snapshot.pk
        )
        await a.wait_until(lambda: a.paragraphs() == ["Утверждённая редакция"])
        await b.wait_until(lambda: b.paragraphs() == ["Утверждённая редакция"])
        await a.add_paragraph("и дальше")  # editing goes on after the restore
        await b.wait_until(lambda: b.paragraphs() == ["Утверждённая редакция", "и дальше"])
    assert await sync_to_async(_stored_paragraphs)(document.pk) == [
        "Утверждённая редакция", "и дальше"]  # fmt: skip


async def test_browser_cookie_from_our_pages_and_signing_out_closes_at_once(
    daphne_server: LiveServer, setup: dict[str, Any]
) -> None:
    document = setup["document"]
    owner = document.created_by
    http = daphne_server.http()
    csrf = http.get(f"{daphne_server.url}/api/v1/auth/csrf").json()["csrf_token"]
    signed_in = http.post(
        f"{daphne_server.url}/api/v1/auth/session",
        json={"login": owner.login, "password": DEFAULT_PASSWORD, "otp": ""},
        headers={"X-CSRFToken": csrf},
    )
    assert signed_in.status_code == 200, signed_in.text
    cookies: dict[str, str] = {k: v for k, v in http.cookies.get_dict().items() if v}
    for origin in ("http://evil.example", None):  # another site's page gets nothing
        async with y_connect(
            daphne_server, document.pk, cookies=cookies, origin=origin, sync=False
        ) as foreign:
            assert await foreign.closed() == (4401, "not_authenticated")
    async with y_connect(
        daphne_server, document.pk, cookies=cookies, origin=daphne_server.origin
    ) as browser:
        await browser.add_paragraph("из браузера")
        signed_out = http.delete(
            f"{daphne_server.url}/api/v1/auth/session",
            headers={"X-CSRFToken": cookies["csrftoken"]},
        )
        assert signed_out.status_code == 204
        assert await browser.closed(timeout=5) == (4401, "token_revoked")
    assert await sync_to_async(_stored_paragraphs)(document.pk) == ["из браузера"]
