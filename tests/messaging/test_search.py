"""Full-text search: stemming in Russian and English, filters, highlighting, access."""

from __future__ import annotations

import uuid

import pytest

from messaging import search
from tests.helpers.api import assert_api_error
from tests.messaging.conftest import send as _send
from tests.messaging.test_attachments import PDF, upload

pytestmark = pytest.mark.django_db


def _search(client, **params):
    response = client.get("/api/v1/search/messages", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_stemming_in_both_languages_and_highlighting(chat):
    _send(chat.c["alice"], chat.id, "Проект бюджета на 2027 год согласован")
    _send(chat.c["bob"], chat.id, "The meetings are moved to Friday")
    _send(chat.c["bob"], chat.id, "Не относится к делу")
    [hit] = _search(chat.c["owner"], q="бюджет")
    assert hit["message"]["body"].startswith("Проект бюджета")
    assert "<mark>бюджета</mark>" in hit["snippet"]
    assert hit["conversation"]["id"] == chat.id
    [hit] = _search(chat.c["owner"], q="meeting")
    assert "<mark>meetings</mark>" in hit["snippet"]


def test_snippets_are_html_safe(chat):
    _send(chat.c["alice"], chat.id, "<script>alert('бюджет')</script> бюджет")
    [hit] = _search(chat.c["owner"], q="бюджет")
    assert "<script" not in hit["snippet"]
    assert "<mark>бюджет</mark>" in hit["snippet"]


def test_only_readable_messages_are_found(chat):
    _send(chat.c["alice"], chat.id, "Секретный бюджет")
    assert _search(chat.c["outsider"], q="бюджет") == []
    chat.c["bob"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}")
    assert _search(chat.c["bob"], q="бюджет") == []
    deleted = _send(chat.c["alice"], chat.id, "Удалённый бюджет").json()
    chat.c["alice"].delete(f"/api/v1/messages/{deleted['id']}")
    assert len(_search(chat.c["owner"], q="бюджет")) == 1


def test_filters(chat):
    _send(chat.c["alice"], chat.id, "Отчёт готов")
    chat.c["bob"].post(
        f"/api/v1/conversations/{chat.id}/messages",
        {"client_id": str(uuid.uuid4()), "body": "Отчёт на подпись",
         "mentions": {"users": [str(chat.owner.pk)]}},
        format="json",
    )  # fmt: skip
    assert len(_search(chat.c["owner"], q="отчёт")) == 2
    by_bob = _search(chat.c["owner"], q="отчёт", author=str(chat.bob.pk))
    assert [h["message"]["body"] for h in by_bob] == ["Отчёт на подпись"]
    mine = _search(chat.c["owner"], q="отчёт", mentions_me="true")
    assert [h["message"]["body"] for h in mine] == ["Отчёт на подпись"]
    assert _search(chat.c["owner"], q="отчёт", since="2099-01-01T00:00:00Z") == []
    assert _search(chat.c["owner"], q="отчёт", conversation=str(uuid.uuid4())) == []


def test_has_file_finds_only_messages_with_attachments(chat):
    uploaded = upload(chat.c["alice"], chat.id, PDF, "scan.pdf").json()
    response = chat.c["alice"].post(
        f"/api/v1/conversations/{chat.id}/messages",
        {"client_id": str(uuid.uuid4()), "body": "Отчёт во вложении",
         "attachment_ids": [uploaded["id"]]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    _send(chat.c["bob"], chat.id, "Отчёт будет завтра")
    [hit] = _search(chat.c["owner"], q="отчёт", has_file="true")
    assert hit["message"]["body"] == "Отчёт во вложении"
    assert hit["message"]["attachments"] == [uploaded]
    assert len(_search(chat.c["owner"], q="отчёт", has_file="false")) == 2
    assert _search(chat.c["owner"], q="завтра", has_file="true") == []


def test_only_the_newest_matches_are_ranked(chat, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 2)
    _send(chat.c["alice"], chat.id, "Бюджет, бюджет и ещё раз бюджет")
    _send(chat.c["alice"], chat.id, "Обсудим бюджет в пятницу, после совещания у министра")
    _send(chat.c["alice"], chat.id, "Бюджет утверждён")
    hits = _search(chat.c["owner"], q="бюджет")
    # The oldest would rank first, but it is not among the two newest matches.
    assert {h["message"]["body"] for h in hits} == {
        "Бюджет утверждён",
        "Обсудим бюджет в пятницу, после совещания у министра",
    }


def test_bad_search_input(chat):
    client = chat.c["owner"]
    assert_api_error(client.get("/api/v1/search/messages"), 400, "validation_failed")
    assert_api_error(client.get("/api/v1/search/messages", {"q": "x", "since": "вчера"}), 400,
                     "validation_failed")  # fmt: skip
    error = assert_api_error(
        client.get("/api/v1/search/messages", {"q": "x", "has_file": "maybe"}), 400,
        "validation_failed",
    )  # fmt: skip
    assert set(error["details"]["fields"]) == {"has_file"}
