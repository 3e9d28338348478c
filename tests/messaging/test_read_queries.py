"""A history page and a page of search results cost a fixed number of queries, however
many messages they hold and whatever hangs on them (reactions, attachments, polls): no
query per message (docs/performance.md)."""

from __future__ import annotations

import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.services.attachments import attachment_upload
from tests.helpers.api import assert_api_error

pytestmark = pytest.mark.django_db

# Authentication 1; the membership check with the messages, their reactions and
# attachments 1; the page's polls 1 and their votes 1.
HISTORY_QUERIES = 4
# Authentication 1; the caller's conversations 1; the ranked matches with their
# conversations, polls, reactions and attachments 1; poll votes 1.
SEARCH_QUERIES = 4


@pytest.fixture
def busy_chat(chat):
    """60 messages in the chat, each with a reaction; every tenth a poll with a vote
    (the newest one too), every other fifth with an attachment."""
    for n in range(60):
        if n % 10 == 9:
            message, _ = services.poll_create(
                actor=chat.alice, conversation_id=chat.id, client_id=str(uuid.uuid4()),
                question=f"Бюджет, вопрос {n}?", options=["да", "нет"], multiple=False,
                anonymous=False,
            )  # fmt: skip
            services.poll_vote(actor=chat.bob, message_id=message.pk, options=[0])
        else:
            files = []
            if n % 5 == 0:
                upload = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
                files = [
                    attachment_upload(
                        actor=chat.alice, conversation_id=chat.id, upload=upload,
                        filename=f"бюджет-{n}.pdf",
                    ).pk
                ]  # fmt: skip
            message, _ = services.message_send(
                actor=chat.alice, conversation_id=chat.id, client_id=str(uuid.uuid4()),
                body=f"Бюджет, часть {n}", attachment_ids=files,
            )  # fmt: skip
        services.reaction_add(actor=chat.bob, message_id=message.pk, emoji="👍")
    return chat


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"], [q["sql"] for q in queries.captured_queries]


def test_a_history_page_costs_the_same_few_queries_for_5_or_50_messages(busy_chat):
    client, url = busy_chat.c["owner"], f"/api/v1/conversations/{busy_chat.id}/messages"
    client.get(url)  # the session's first use is recorded; later ones are not
    small, small_queries = _queries(client, url, {"limit": 5})
    page, queries = _queries(client, url, {"limit": 50})
    assert len(small) == 5 and len(page) == 50
    assert all(m["reactions"] for m in page)
    assert sum(bool(m["attachments"]) for m in page) == 10
    assert sum(m["poll"] is not None for m in page) == 5
    assert small[0]["poll"] and small[-1]["attachments"]
    assert len(small_queries) == len(queries) == HISTORY_QUERIES, "\n".join(queries)


def test_a_page_of_50_search_results_costs_a_few_queries(busy_chat):
    client = busy_chat.c["owner"]
    client.get("/api/v1/search/messages", {"q": "бюджет"})
    page, queries = _queries(client, "/api/v1/search/messages", {"q": "бюджет", "limit": 50})
    assert len(page) == 50
    assert all(hit["message"]["reactions"] for hit in page)
    assert any(hit["message"]["attachments"] for hit in page)
    assert any(hit["message"]["poll"] for hit in page)
    assert len(queries) == SEARCH_QUERIES, "\n".join(queries)


def test_the_one_query_history_page_renders_exactly_as_message_payload(busy_chat):
    """``history_payloads`` (one SQL statement on PostgreSQL) and ``message_payload`` over
    the ORM's ``history`` give the same page: reactions (ties included), attachments,
    polls, replies, edits, tombstones, and without what the viewer hid or thread replies."""
    from messaging import selectors
    from messaging.events import message_payload

    chat, send = busy_chat, services.message_send
    first, _ = send(actor=chat.alice, conversation_id=chat.id, client_id="x1", body="**один**")
    reply, _ = send(
        actor=chat.bob, conversation_id=chat.id, client_id="x2", body="ответ", reply_to_id=first.pk
    )
    send(
        actor=chat.bob, conversation_id=chat.id, client_id="x3", body="в ветке",
        thread_root_id=first.pk,
    )  # fmt: skip
    for emoji, who in (("🔥", chat.bob), ("👍", chat.alice), ("🔥", chat.alice), ("🎉", chat.bob)):
        services.reaction_add(actor=who, message_id=reply.pk, emoji=emoji)
    services.message_edit(actor=chat.bob, message_id=reply.pk, body="ответ, исправлено")
    gone, _ = send(actor=chat.alice, conversation_id=chat.id, client_id="x4", body="удалю")
    services.reaction_add(actor=chat.bob, message_id=gone.pk, emoji="👍")
    services.message_delete(actor=chat.alice, message_id=gone.pk)
    hidden, _ = send(actor=chat.alice, conversation_id=chat.id, client_id="x5", body="скрою")
    services.message_hide(actor=chat.bob, message_id=hidden.pk, hidden=True)

    conversation, _ = selectors.access_conversation(chat.bob, chat.id)
    for before_seq, limit in ((None, 200), (None, 3), (30, 10)):
        expected = [
            message_payload(m)
            for m in selectors.history(
                conversation, viewer=chat.bob, before_seq=before_seq, limit=limit
            )
        ]
        got = selectors.history_payloads(chat.bob, chat.id, before_seq=before_seq, limit=limit)
        assert got == expected
    page = selectors.history_payloads(chat.bob, chat.id, before_seq=None, limit=200)
    by_id = {m["id"]: m for m in page}
    assert str(hidden.pk) not in by_id and len(page) == 64
    assert by_id[str(gone.pk)]["deleted"] and by_id[str(gone.pk)]["reactions"] == []
    assert [r["emoji"] for r in by_id[str(reply.pk)]["reactions"]] == ["🔥", "👍", "🎉"]
    assert by_id[str(reply.pk)]["edit_count"] == 1 and by_id[str(first.pk)]["reply_count"] == 1


def test_the_one_query_history_page_tells_forbidden_from_empty(chat):
    """The membership check is part of the page's statement: outsiders and former members
    get 404 whether or not the page would hold messages; a member gets an empty page."""
    owner, outsider = chat.c["owner"], chat.c["outsider"]
    url = f"/api/v1/conversations/{chat.id}/messages"
    services.message_send(actor=chat.alice, conversation_id=chat.id, client_id="m1", body="да")
    for params in ({}, {"cursor": 1}, {"cursor": 10**6}):
        assert_api_error(outsider.get(url, params), 404, "conversation_not_found")
        assert owner.get(url, params).status_code == 200
    assert owner.get(url, {"cursor": 1}).json()["results"] == []
    assert owner.get("/api/v1/conversations/not-a-uuid/messages").status_code == 404
    services.conversation_member_remove(
        actor=chat.owner, conversation_id=chat.id, user_id=chat.bob.pk
    )
    assert_api_error(chat.c["bob"].get(url), 404, "conversation_not_found")
