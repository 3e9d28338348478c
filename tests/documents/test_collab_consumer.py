"""The editing consumer in-process (channels' communicator, the whole ASGI application):
what the server's own message limit hides from live tests, and the timer's re-check that
notices access lost without a signal (a department membership)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from documents.collab import protocol, rooms
from documents.consumers import MAX_MESSAGE_BYTES
from documents.services.files import document_create_rich_text
from documents.services.folders import department_root
from portal.accounts.models import User
from portal.asgi import application
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.helpers.api import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@asynccontextmanager
async def editing_socket(token: str, document_id: Any) -> AsyncIterator[WebsocketCommunicator]:
    """A socket on the document, its sync step 1 (and read-only notice, if any) read."""
    comm = WebsocketCommunicator(
        application, f"/ws/documents/{document_id}/",
        headers=[(b"authorization", f"Bearer {token}".encode())],
    )  # fmt: skip
    connected, _ = await comm.connect(timeout=5)
    assert connected
    try:
        first = protocol.parse_server((await comm.receive_output(timeout=5))["bytes"])
        assert isinstance(first, protocol.Sync) and first.kind == protocol.SYNC_STEP1
        yield comm
    finally:
        await comm.disconnect()


async def closed_with(comm: WebsocketCommunicator) -> tuple[int, list[Any]]:
    """The close code and the messages before it."""
    messages: list[Any] = []
    while True:
        out = await comm.receive_output(timeout=5)
        if out["type"] == "websocket.close":
            return out["code"], messages
        messages.append(protocol.parse_server(out["bytes"]))


def _department_document() -> tuple[Any, User, User, str, str]:
    department = DepartmentFactory.create()
    head = UserFactory.create(login="head", department=department, agency=department.agency)
    member = UserFactory.create(login="member", department=department, agency=department.agency)
    folder = department_root(department=department, actor=head)
    document = document_create_rich_text(actor=head, folder_id=folder.pk, name="Отдела")
    return document, head, member, sign_in(head)[1].access_token, sign_in(member)[1].access_token


async def test_a_message_over_the_limit_is_refused_with_4413() -> None:
    document, _head, _member, token, _ = await sync_to_async(_department_document)()
    async with editing_socket(token, document.pk) as comm:
        await comm.send_to(bytes_data=protocol.sync_update(b"\x00" * (MAX_MESSAGE_BYTES + 1)))
        code, messages = await closed_with(comm)
    assert code == 4413
    assert messages == [protocol.Denied("message_too_large")]


async def test_the_timer_recheck_closes_a_socket_whose_access_went_with_its_department() -> None:
    document, _head, member, head_token, member_token = await sync_to_async(_department_document)()
    async with (
        editing_socket(head_token, document.pk) as head,
        editing_socket(member_token, document.pk) as comm,
    ):
        # The member leaves the department: no access_changed is sent for that.
        await sync_to_async(User.objects.filter(pk=member.pk).update)(department=None)
        room = rooms.room_of(document.pk)
        assert room is not None
        await room.recheck()  # what the room's 30 s timer runs
        code, messages = await closed_with(comm)
        assert code == 4404
        assert messages[-1] == protocol.Denied("document_not_found")
        assert len(room.peers) == 1  # the head stays
        await head.send_to(bytes_data=protocol.sync_step1(b"\x00"))
        reply = protocol.parse_server((await head.receive_output(timeout=5))["bytes"])
        assert isinstance(reply, protocol.Sync) and reply.kind == protocol.SYNC_STEP2


async def test_a_change_whose_relay_was_lost_arrives_by_the_timer_catch_up() -> None:
    import pycrdt

    from documents.collab import store

    document, head, _member, token, _ = await sync_to_async(_department_document)()
    async with editing_socket(token, document.pk) as comm:
        room = rooms.room_of(document.pk)
        assert room is not None
        # Another process stored a change and its relay never came (Redis away).
        other: pycrdt.Doc = pycrdt.Doc()
        other.get("default", type=pycrdt.XmlFragment).children.append(
            pycrdt.XmlElement("paragraph", {}, [pycrdt.XmlText("из другого процесса")])
        )
        update = other.get_update()
        await sync_to_async(store.append)(document.pk, author_id=head.pk, data=update)
        await room.catch_up()  # what the room's 30 s timer runs
        message = protocol.parse_server((await comm.receive_output(timeout=5))["bytes"])
        assert message == protocol.Sync(protocol.SYNC_UPDATE, update)
        assert "из другого процесса" in str(room.doc.get("default", type=pycrdt.XmlFragment))
        await room.catch_up()  # once only
        assert await comm.receive_nothing(timeout=0.3)
