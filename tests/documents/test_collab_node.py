"""A real Node Yjs client (yjs + y-websocket's WebsocketProvider over `ws`, signed in with
an edit ticket as the browser is) and Python clients converge on a live daphne."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from documents.collab import store
from documents.models import DocumentUpdate, Role
from tests.documents.collab_support import paragraphs, share, y_connect
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_rich_text
from tests.helpers.api import sign_in
from tests.helpers.live import LiveServer

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).parent / "yjs" / "client.cjs"
NODE_MODULES = Path(settings.BASE_DIR) / "frontend" / "node_modules"


def _ticket(server: LiveServer, token: str, document_id: Any) -> str:
    response = server.http().post(
        f"{server.url}/api/v1/documents/{document_id}/edit-ticket",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["ticket"])


async def _node(config: dict[str, Any], timeout: float = 30) -> tuple[int, dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "y-websocket").exists():
        pytest.fail("the Node interop test needs node and `make frontend-install`")
    process = await asyncio.create_subprocess_exec(
        node, str(SCRIPT), json.dumps(config),
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert out, err.decode()
    return process.returncode or 0, json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture
def people() -> dict[str, Any]:
    owner = UserFactory.create(login="owner", last_name="Петрова", first_name="Анна")
    editor = UserFactory.create(login="editor", agency=owner.agency)
    viewer = UserFactory.create(login="viewer", agency=owner.agency)
    document = make_rich_text(owner)
    share(document, editor, Role.EDITOR)
    share(document, viewer, Role.VIEWER)
    return {
        "document": document,
        **{who: str(sign_in(user)[1].access_token) for who, user in
           [("owner", owner), ("editor", editor), ("viewer", viewer)]},
    }  # fmt: skip


async def test_node_and_python_clients_converge(
    daphne_server: LiveServer, daphne_server_b: LiveServer, people: dict[str, Any]
) -> None:
    document_id = people["document"].pk
    ticket = await sync_to_async(_ticket)(daphne_server, people["editor"], document_id)
    async with y_connect(daphne_server_b, document_id, token=people["owner"]) as python:
        await python.add_paragraph("Из Python до Node")
        await python.set_awareness(python.doc.client_id, 1, '{"user":{"name":"Python"}}')
        node = asyncio.ensure_future(
            _node(
                {
                    "server": daphne_server.ws_url("/ws/documents"),
                    "document": str(document_id),
                    "ticket": ticket,
                    "name": "Node",
                    "write": ["Из Node"],
                    "expect": ["Из Python до Node", "Из Node", "Из Python после Node"],
                    "linger_ms": 300,
                }
            )
        )
        await python.wait_until(lambda: "Из Node" in python.paragraphs(), timeout=20)
        await python.add_paragraph("Из Python после Node")
        code, result = await node
        assert code == 0, result
        assert result["synced"] and not result["denied"], result
        assert result["paragraphs"] == python.paragraphs()
        assert "Python" in result["names"]  # awareness crossed processes too
    stored = await sync_to_async(lambda: paragraphs_of(document_id))()
    assert stored == result["paragraphs"]


def paragraphs_of(document_id: Any) -> list[str]:
    import pycrdt

    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(store.load(document_id).update)
    return paragraphs(doc)


async def test_node_viewer_sees_text_but_its_edits_are_refused(
    daphne_server: LiveServer, people: dict[str, Any]
) -> None:
    document_id = people["document"].pk
    async with y_connect(daphne_server, document_id, token=people["owner"]) as owner:
        await owner.add_paragraph("Только для чтения")
        ticket = await sync_to_async(_ticket)(daphne_server, people["viewer"], document_id)
        code, result = await _node({
            "server": daphne_server.ws_url("/ws/documents"), "document": str(document_id),
            "ticket": ticket, "name": "Читатель", "write": ["Правка читателя"],
            "expect": ["Только для чтения"], "linger_ms": 500,
        })  # fmt: skip
        assert code == 0, result
        assert result["denied"] == ["read_only"]
        await asyncio.sleep(0.2)
        assert owner.paragraphs() == ["Только для чтения"]
    assert await sync_to_async(paragraphs_of)(document_id) == ["Только для чтения"]
    count = await sync_to_async(DocumentUpdate.objects.filter(document=document_id).count)()
    assert count == 1

    # The same ticket does not open a second socket.
    code, result = await _node({
        "server": daphne_server.ws_url("/ws/documents"), "document": str(document_id),
        "ticket": ticket, "name": "Снова", "expect": ["Только для чтения"], "timeout_ms": 3000,
    })  # fmt: skip
    assert code == 1
    assert result["denied"] == ["edit_ticket_invalid"] and not result["synced"]
