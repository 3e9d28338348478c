"""Edit history (earlier versions kept, gone with a deletion for everyone) and deleting a
message "for me" (hidden from one member's history, threads, search and sync only)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import yaml
from django.utils import timezone

from messaging import services
from messaging.models import HiddenMessage, MessageEdit
from portal import clock
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _send(user, conversation_id, body, **extra):
    message, _ = services.message_send(
        actor=user, conversation_id=conversation_id, client_id=str(uuid.uuid4()), body=body,
        **extra,
    )  # fmt: skip
    return message


def _members(chat, *users):
    return {str(u.pk) for u in users or (chat.owner, chat.alice, chat.bob)}


def _history(client, conversation_id):
    response = client.get(f"/api/v1/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.content
    return [m["body"] for m in response.json()["results"]]


# --- edit history ----------------------------------------------------------------------


def test_each_edit_keeps_the_version_it_replaces(chat):
    start = timezone.now()
    with clock.frozen(start) as now:
        message = _send(chat.alice, chat.id, "Черновик **первый**")
        now.advance(60)
        services.message_edit(actor=chat.alice, message_id=message.pk, body="Второй вариант")
        now.advance(60)
        with capture_events() as captured:
            services.message_edit(actor=chat.alice, message_id=message.pk, body="Итог")
    [(payload, recipients)] = captured.of_type("message")
    assert payload["op"] == "update" and recipients == _members(chat)
    assert payload["message"]["body"] == "Итог" and payload["message"]["edit_count"] == 2
    assert payload["message"]["edited_at"] == (start + dt.timedelta(seconds=120)).isoformat()

    response = chat.c["bob"].get(f"/api/v1/messages/{message.pk}/edits")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    versions = body["results"]
    assert [v["body"] for v in versions] == ["Черновик **первый**", "Второй вариант"]
    assert "<strong>первый</strong>" in versions[0]["body_html"]
    assert [dt.datetime.fromisoformat(v["written_at"]) for v in versions] == [
        start, start + dt.timedelta(seconds=60)
    ]  # fmt: skip
    assert {v["written_by"] for v in versions} == {str(chat.alice.pk)}
    history = chat.c["bob"].get(f"/api/v1/conversations/{chat.id}/messages").json()["results"]
    [listed] = [m for m in history if m["id"] == str(message.pk)]
    assert listed["body"] == "Итог" and listed["edit_count"] == 2 and listed["edited_at"]


def test_edit_history_pages_with_a_cursor_oldest_first(chat):
    message = _send(chat.alice, chat.id, "v0")
    for n in range(1, 4):
        services.message_edit(actor=chat.alice, message_id=message.pk, body=f"v{n}")
    url = f"/api/v1/messages/{message.pk}/edits"
    first = chat.c["owner"].get(url, {"limit": 2}).json()
    assert [v["body"] for v in first["results"]] == ["v0", "v1"]
    rest = chat.c["owner"].get(url, {"limit": 2, "cursor": first["next"]}).json()
    assert [v["body"] for v in rest["results"]] == ["v2"] and rest["next"] is None


def test_an_unchanged_text_records_nothing(chat):
    message = _send(chat.alice, chat.id, "Без изменений")
    with capture_events() as captured:
        response = chat.c["alice"].patch(
            f"/api/v1/messages/{message.pk}", {"body": "  Без изменений \n"}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["edited_at"] is None and response.json()["edit_count"] == 0
    assert captured.events == []
    assert not MessageEdit.objects.filter(message=message).exists()


def test_only_the_author_edits_and_only_within_the_admins_window(chat):
    message = _send(chat.alice, chat.id, "Черновик")
    url = f"/api/v1/messages/{message.pk}"
    for other in ("bob", "owner"):  # an administrator may delete, not edit, others' messages
        assert_api_error(chat.c[other].patch(url, {"body": "Чужое"}, format="json"), 403,
                         "edit_not_allowed")  # fmt: skip
    services.conversation_update(
        actor=chat.owner, conversation_id=chat.id, changes={"edit_window_seconds": 60}
    )
    with clock.frozen(message.created_at + dt.timedelta(seconds=61)):
        client = api_client(chat.alice)
        assert_api_error(client.patch(url, {"body": "Поздно"}, format="json"), 403,
                         "edit_not_allowed")  # fmt: skip
    assert not MessageEdit.objects.filter(message=message).exists()
    assert chat.c["alice"].get(f"{url}/edits").json()["results"] == []


def test_deleting_for_everyone_purges_the_history(chat):
    message = _send(chat.alice, chat.id, "Секретная сумма 100")
    services.message_edit(actor=chat.alice, message_id=message.pk, body="Секретная сумма 200")
    services.message_hide(actor=chat.bob, message_id=message.pk, hidden=True)
    with capture_events() as captured:
        deleted = chat.c["owner"].delete(f"/api/v1/messages/{message.pk}")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True and deleted.json()["edit_count"] == 0
    [(payload, recipients)] = captured.of_type("message")
    assert payload["op"] == "remove" and "Секретная" not in str(payload)
    assert recipients == _members(chat, chat.owner, chat.alice)  # bob hid it
    assert not MessageEdit.objects.filter(message=message).exists()
    edits = chat.c["alice"].get(f"/api/v1/messages/{message.pk}/edits")
    assert edits.status_code == 200 and edits.json()["results"] == []
    history = chat.c["alice"].get(f"/api/v1/conversations/{chat.id}/messages")
    assert "Секретная" not in history.content.decode()


def test_edit_history_access(chat):
    message = _send(chat.alice, chat.id, "Служебное")
    services.message_edit(actor=chat.alice, message_id=message.pk, body="Служебное, исправлено")
    url = f"/api/v1/messages/{message.pk}/edits"
    assert_api_error(api_client().get(url), 401, "not_authenticated")
    for response in (
        chat.c["outsider"].get(url),
        chat.c["outsider"].get(f"/api/v1/messages/{uuid.uuid4()}/edits"),
    ):
        error = assert_api_error(response, 404, "message_not_found")
        assert "Служебное" not in str(error)
    assert_api_error(chat.c["bob"].get("/api/v1/messages/not-a-uuid/edits"), 404, "not_found")
    for member in ("owner", "alice", "bob"):
        assert chat.c[member].get(url).json()["results"][0]["body"] == "Служебное"
    services.conversation_member_remove(
        actor=chat.bob, conversation_id=chat.id, user_id=chat.bob.pk
    )
    assert_api_error(chat.c["bob"].get(url), 404, "message_not_found")


# --- deleting "for me" -----------------------------------------------------------------


def test_hiding_is_for_one_member_and_their_devices_only(chat):
    _send(chat.alice, chat.id, "Первое")
    hidden = _send(chat.alice, chat.id, "Второе про бюджет")
    url = f"/api/v1/messages/{hidden.pk}/hide"
    with capture_events() as captured:
        assert chat.c["bob"].post(url).status_code == 204
    assert captured.events == [
        (
            {"type": "hidden_message", "op": "add", "conversation_id": chat.id,
             "message_id": str(hidden.pk)},
            {str(chat.bob.pk)},
        )
    ]  # fmt: skip
    assert _history(chat.c["bob"], chat.id)[:1] == ["Первое"]
    assert _history(chat.c["alice"], chat.id)[:2] == ["Второе про бюджет", "Первое"]

    def search(who):
        response = chat.c[who].get("/api/v1/search/messages", {"q": "бюджет"})
        return [r["message"]["id"] for r in response.json()["results"]]

    assert search("bob") == [] and search("alice") == [str(hidden.pk)]

    def last_message(who):
        state = chat.c[who].get("/api/v1/sync").json()
        [conversation] = [c for c in state["conversations"] if c["id"] == chat.id]
        return conversation["last_message"]["body"]

    assert last_message("bob") == "Первое" and last_message("alice") == "Второе про бюджет"

    # hiding again changes nothing and tells no one
    with capture_events() as captured:
        assert chat.c["bob"].post(url).status_code == 204
    assert captured.events == []
    assert HiddenMessage.objects.filter(message=hidden).count() == 1

    with capture_events() as captured:
        assert chat.c["bob"].delete(url).status_code == 204
    [(payload, recipients)] = captured.events
    assert (payload["type"], payload["op"]) == ("hidden_message", "remove") and payload["message"][
        "body"
    ] == "Второе про бюджет"
    assert recipients == {str(chat.bob.pk)}
    assert _history(chat.c["bob"], chat.id)[:1] == ["Второе про бюджет"]
    with capture_events() as captured:
        assert chat.c["bob"].delete(url).status_code == 204
    assert captured.events == []


def test_hidden_replies_leave_the_thread_and_edits_skip_the_hider(chat):
    root = _send(chat.owner, chat.id, "Вопрос")
    reply = _send(chat.alice, chat.id, "Ответ", thread_root_id=root.pk)
    other = _send(chat.owner, chat.id, "Ещё ответ", thread_root_id=root.pk)
    services.message_hide(actor=chat.bob, message_id=reply.pk, hidden=True)
    thread_url = f"/api/v1/messages/{root.pk}/thread"
    assert [r["id"] for r in chat.c["bob"].get(thread_url).json()["results"]] == [str(other.pk)]
    assert len(chat.c["owner"].get(thread_url).json()["results"]) == 2
    with capture_events() as captured:
        services.message_edit(actor=chat.alice, message_id=reply.pk, body="Ответ, уточнён")
    [(payload, recipients)] = captured.of_type("message")
    assert payload["op"] == "update" and recipients == _members(chat, chat.owner, chat.alice)


def test_a_tombstone_can_be_hidden_too(chat):
    message = _send(chat.alice, chat.id, "Удалю")
    services.message_delete(actor=chat.alice, message_id=message.pk)
    assert chat.c["bob"].post(f"/api/v1/messages/{message.pk}/hide").status_code == 204
    assert str(message.pk) not in [
        m["id"]
        for m in chat.c["bob"].get(f"/api/v1/conversations/{chat.id}/messages").json()["results"]
    ]


def test_hide_access(chat):
    message = _send(chat.alice, chat.id, "Только для участников")
    url = f"/api/v1/messages/{message.pk}/hide"
    assert_api_error(api_client().post(url), 401, "not_authenticated")
    assert_api_error(api_client().delete(url), 401, "not_authenticated")
    with capture_events() as captured:
        for response in (
            chat.c["outsider"].post(url),
            chat.c["outsider"].delete(url),
            chat.c["outsider"].post(f"/api/v1/messages/{uuid.uuid4()}/hide"),
        ):
            error = assert_api_error(response, 404, "message_not_found")
            assert "участников" not in str(error)
    assert captured.events == []
    assert not HiddenMessage.objects.exists()
    assert_api_error(chat.c["bob"].post("/api/v1/messages/not-a-uuid/hide"), 404, "not_found")
    assert chat.c["alice"].post(url).status_code == 204  # the author may hide their own


def test_the_new_endpoints_are_in_the_schema():
    schema = yaml.safe_load(api_client().get("/api/v1/schema/").content)
    paths = schema["paths"]
    assert set(paths["/api/v1/messages/{message_id}/edits"]) == {"get"}
    assert set(paths["/api/v1/messages/{message_id}/hide"]) == {"post", "delete"}
    listed = paths["/api/v1/messages/{message_id}/edits"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"]["$ref"].endswith(
        "PaginatedMessageEditList"
    )
