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

pytestmark = pytest.mark.django_db

# Authentication 1; the membership 1; the messages with their polls 1; reactions 1;
# poll votes 1; attachments 1.
HISTORY_QUERIES = 6
# Authentication 1; the caller's conversations 1; the ranked matches with their
# conversations and polls 1; reactions 1; poll votes 1; attachments 1.
SEARCH_QUERIES = 6


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
