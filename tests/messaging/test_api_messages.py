"""Conversations and messages over REST: idempotent sends, gapless numbering, sanitised
Markdown, roles, and outsiders who learn nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from messaging.models import Message
from portal import clock
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events
from tests.messaging.conftest import send as _send

pytestmark = pytest.mark.django_db


def test_send_is_idempotent_and_numbered_without_gaps(chat):
    first = _send(chat.c["alice"], chat.id, "Первое", client_id="c-1")
    assert first.status_code == 201
    again = _send(chat.c["alice"], chat.id, "Первое (повтор)", client_id="c-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    second = _send(chat.c["bob"], chat.id, "Второе")
    assert second.json()["seq"] == first.json()["seq"] + 1
    seqs = list(Message.objects.filter(conversation_id=chat.id).values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, len(seqs) + 1))
    assert Message.objects.filter(client_id="c-1").count() == 1


def test_message_event_goes_to_exactly_the_members(chat):
    with capture_events() as captured:
        _send(chat.c["alice"], chat.id)
    [(payload, recipients)] = captured.of_type("message")
    assert payload["op"] == "add"
    assert recipients == {str(chat.owner.pk), str(chat.alice.pk), str(chat.bob.pk)}


def test_history_pages_by_seq(chat):
    for n in range(5):
        _send(chat.c["alice"], chat.id, f"Сообщение {n}")
    url = f"/api/v1/conversations/{chat.id}/messages"
    page = chat.c["bob"].get(url, {"limit": 3}).json()
    assert [m["body"] for m in page["results"]] == ["Сообщение 4", "Сообщение 3", "Сообщение 2"]
    assert page["previous"] is None
    rest = chat.c["bob"].get(url, {"limit": 3, "cursor": page["next"]}).json()
    assert [m["body"] for m in rest["results"]][:2] == ["Сообщение 1", "Сообщение 0"]
    assert_api_error(chat.c["bob"].get(url, {"limit": "many"}), 400, "invalid")
    for cursor in ("x", "-1", "1.5", "9" * 40, ""):
        assert_api_error(chat.c["bob"].get(url, {"cursor": cursor}), 400, "invalid_cursor")


def test_outsider_learns_nothing(chat):
    message = _send(chat.c["alice"], chat.id).json()
    outsider = chat.c["outsider"]
    attempts = [
        outsider.get(f"/api/v1/conversations/{chat.id}"),
        outsider.get(f"/api/v1/conversations/{chat.id}/messages"),
        _send(outsider, chat.id),
        outsider.post(f"/api/v1/conversations/{chat.id}/read", {"seq": 1}, format="json"),
        outsider.post(
            f"/api/v1/conversations/{chat.id}/members",
            {"user_ids": [str(chat.outsider.pk)]},
            format="json",
        ),
        outsider.delete(f"/api/v1/conversations/{chat.id}/members/{chat.alice.pk}"),
    ]
    for response in attempts:
        error = assert_api_error(response, 404, "conversation_not_found")
        assert "бюджет" not in str(error)
    for response in (
        outsider.patch(f"/api/v1/messages/{message['id']}", {"body": "x"}, format="json"),
        outsider.delete(f"/api/v1/messages/{message['id']}"),
    ):
        assert_api_error(response, 404, "message_not_found")
    assert chat.id not in {c["id"] for c in outsider.get("/api/v1/conversations").json()["results"]}
    # a random id answers exactly the same
    assert_api_error(outsider.get(f"/api/v1/conversations/{uuid.uuid4()}"), 404,
                     "conversation_not_found")  # fmt: skip


def test_anonymous_is_401(chat):
    assert_api_error(api_client().get(f"/api/v1/conversations/{chat.id}"), 401,
                     "not_authenticated")  # fmt: skip


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_empty_or_too_long_body_is_400(chat, body):
    response = _send(chat.c["alice"], chat.id, body)
    assert response.status_code == 400
    assert not Message.objects.filter(conversation_id=chat.id, kind="text").exists()


@pytest.mark.parametrize(
    "body,forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ("[жми](javascript:alert(1))", 'href="javascript'),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<a href='#' onclick='x()'>a</a>", "<a href='#'"),
    ],
)
def test_html_and_script_are_inert(chat, body, forbidden):
    message = _send(chat.c["alice"], chat.id, body).json()
    assert forbidden not in message["body_html"]
    assert message["body"] == body


def test_markdown_subset_renders(chat):
    message = _send(chat.c["alice"], chat.id, "**важно** и [портал](https://portal.gov.ru)").json()
    assert "<strong>важно</strong>" in message["body_html"]
    assert 'href="https://portal.gov.ru"' in message["body_html"]


def test_channel_members_cannot_post_but_admins_can(chat):
    channel = (
        chat.c["owner"]
        .post(
            "/api/v1/conversations",
            {"kind": "channel", "title": "Новости", "member_ids": [str(chat.alice.pk)]},
            format="json",
        )
        .json()
    )
    assert_api_error(_send(chat.c["alice"], channel["id"]), 403, "posting_not_allowed")
    assert _send(chat.c["owner"], channel["id"]).status_code == 201


def test_edit_rules(chat, settings):
    message = _send(chat.c["alice"], chat.id, "Черновик").json()
    url = f"/api/v1/messages/{message['id']}"
    assert_api_error(chat.c["bob"].patch(url, {"body": "Чужое"}, format="json"), 403,
                     "edit_not_allowed")  # fmt: skip
    edited = chat.c["alice"].patch(url, {"body": "Исправлено"}, format="json").json()
    assert edited["body"] == "Исправлено" and edited["edited_at"]
    with clock.frozen(timezone.now() + dt.timedelta(days=3)):
        client = api_client(chat.alice)
        assert_api_error(client.patch(url, {"body": "Поздно"}, format="json"), 403,
                         "edit_not_allowed")  # fmt: skip


def test_delete_leaves_a_tombstone(chat):
    message = _send(chat.c["alice"], chat.id, "Удалить меня").json()
    url = f"/api/v1/messages/{message['id']}"
    assert_api_error(chat.c["bob"].delete(url), 403, "delete_not_allowed")
    with capture_events() as captured:
        deleted = chat.c["owner"].delete(url).json()  # an admin may delete anyone's
    assert deleted["deleted"] is True and deleted["body"] == ""
    [(payload, _)] = captured.of_type("message")
    assert payload["op"] == "remove" and payload["message"]["body"] == ""
    assert Message.objects.get(pk=message["id"]).body == ""


def test_removed_member_gets_the_event_then_nothing(chat):
    with capture_events() as captured:
        response = chat.c["owner"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.bob.pk}")
    assert response.status_code == 204
    [(payload, recipients)] = captured.of_type("membership")
    assert payload["op"] == "remove" and str(chat.bob.pk) in recipients
    with capture_events() as captured:
        _send(chat.c["alice"], chat.id)
    [(_, recipients)] = captured.of_type("message")
    assert str(chat.bob.pk) not in recipients
    assert_api_error(chat.c["bob"].get(f"/api/v1/conversations/{chat.id}/messages"), 404,
                     "conversation_not_found")  # fmt: skip


def test_members_leave_but_owner_must_transfer_first(chat):
    leave = chat.c["alice"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.alice.pk}")
    assert leave.status_code == 204
    owner_leave = chat.c["owner"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.owner.pk}")
    assert_api_error(owner_leave, 409, "owner_cannot_leave")
    not_admin = chat.c["bob"].post(
        f"/api/v1/conversations/{chat.id}/members", {"user_ids": [str(chat.outsider.pk)]},
        format="json",
    )  # fmt: skip
    assert_api_error(not_admin, 403, "not_conversation_admin")


def test_read_state_and_receipts(chat):
    for _ in range(3):
        _send(chat.c["alice"], chat.id)
    listed = {c["id"]: c for c in chat.c["bob"].get("/api/v1/conversations").json()["results"]}
    assert listed[chat.id]["unread"] == 4  # three messages and the "created" notice
    with capture_events() as captured:
        chat.c["bob"].post(f"/api/v1/conversations/{chat.id}/read", {"seq": 99}, format="json")
    [(payload, recipients)] = captured.of_type("read")
    assert payload["seq"] == 4  # clamped to the last message
    assert recipients == {str(chat.owner.pk), str(chat.alice.pk), str(chat.bob.pk)}
    listed = {c["id"]: c for c in chat.c["bob"].get("/api/v1/conversations").json()["results"]}
    assert listed[chat.id]["unread"] == 0


def test_direct_chat_is_one_per_pair(chat):
    first = (
        chat.c["alice"]
        .post("/api/v1/conversations/direct", {"user_id": str(chat.bob.pk)}, format="json")
        .json()
    )
    second = (
        chat.c["bob"]
        .post("/api/v1/conversations/direct", {"user_id": str(chat.alice.pk)}, format="json")
        .json()
    )
    assert first["id"] == second["id"] and first["kind"] == "direct"
    assert_api_error(
        chat.c["alice"].post(
            "/api/v1/conversations/direct", {"user_id": str(uuid.uuid4())}, format="json"
        ),
        404,
        "user_not_found",
    )


def test_reactions(chat):
    message = _send(chat.c["alice"], chat.id).json()
    url = f"/api/v1/messages/{message['id']}/reactions"
    with capture_events() as captured:
        assert chat.c["bob"].post(url, {"emoji": "👍"}, format="json").status_code == 201
    [(payload, recipients)] = captured.of_type("reaction")
    assert payload["emoji"] == "👍" and len(recipients) == 3
    assert chat.c["bob"].post(url, {"emoji": "👍"}, format="json").status_code == 200
    chat.c["owner"].post(url, {"emoji": "👍"}, format="json")
    chat.c["owner"].post(url, {"emoji": "❤️"}, format="json")
    history = chat.c["alice"].get(f"/api/v1/conversations/{chat.id}/messages").json()
    [reactions] = [m["reactions"] for m in history["results"] if m["id"] == message["id"]]
    assert reactions[0]["emoji"] == "👍" and reactions[0]["count"] == 2
    assert set(reactions[0]["user_ids"]) == {str(chat.bob.pk), str(chat.owner.pk)}
    assert chat.c["bob"].delete(f"{url}/👍").status_code == 204
    for bad in ("a", "👍👍", "<script>", "", "🙂 x"):
        response = chat.c["bob"].post(url, {"emoji": bad}, format="json")
        assert response.status_code == 400, bad
    assert_api_error(chat.c["outsider"].post(url, {"emoji": "👍"}, format="json"), 404,
                     "message_not_found")  # fmt: skip


def test_pins_are_for_admins(chat):
    message = _send(chat.c["alice"], chat.id).json()
    url = f"/api/v1/messages/{message['id']}/pin"
    assert_api_error(chat.c["alice"].post(url), 403, "not_conversation_admin")
    with capture_events() as captured:
        assert chat.c["owner"].post(url).status_code == 204
    [(payload, _)] = captured.of_type("pin")
    assert payload["op"] == "add"
    assert chat.c["owner"].delete(url).status_code == 204
    assert_api_error(chat.c["outsider"].post(url), 404, "message_not_found")


def test_admin_changes_settings_members_cannot(chat):
    url = f"/api/v1/conversations/{chat.id}"
    assert_api_error(chat.c["alice"].patch(url, {"title": "Моё"}, format="json"), 403,
                     "not_conversation_admin")  # fmt: skip
    with capture_events() as captured:
        response = chat.c["owner"].patch(url, {"title": "Бюджет 2027"}, format="json")
    assert response.json()["title"] == "Бюджет 2027"
    [(payload, recipients)] = captured.of_type("conversation")
    assert payload["conversation"]["title"] == "Бюджет 2027" and len(recipients) == 3
    error = assert_api_error(chat.c["owner"].patch(url, {"owner": "x"}, format="json"), 400,
                             "validation_failed")  # fmt: skip
    assert "owner" in error["details"]["fields"]


def test_member_settings_are_private(chat):
    with capture_events() as captured:
        response = chat.c["bob"].patch(
            f"/api/v1/conversations/{chat.id}/settings",
            {"pinned": True, "muted_until": "2026-12-31T00:00:00+03:00"},
            format="json",
        )
    assert response.status_code == 200 and response.json()["pinned"] is True
    [(payload, recipients)] = captured.of_type("member_settings")
    assert payload["op"] == "update" and recipients == {str(chat.bob.pk)}


def test_ownership_transfer(chat):
    role_url = f"/api/v1/conversations/{chat.id}/members/{{}}/role"
    assert_api_error(
        chat.c["alice"].post(role_url.format(chat.bob.pk), {"role": "admin"}, format="json"),
        403, "not_conversation_admin",
    )  # fmt: skip
    assert (
        chat.c["owner"]
        .post(role_url.format(chat.alice.pk), {"role": "owner"}, format="json")
        .status_code
        == 204
    )
    roles = {
        c["id"]: c["role"] for c in chat.c["alice"].get("/api/v1/conversations").json()["results"]
    }
    assert roles[chat.id] == "owner"
    assert chat.c["owner"].get(f"/api/v1/conversations/{chat.id}").json()["role"] == "admin"
    # the former owner may leave now
    leave = chat.c["owner"].delete(f"/api/v1/conversations/{chat.id}/members/{chat.owner.pk}")
    assert leave.status_code == 204


def test_sync_gives_the_starting_state(chat):
    _send(chat.c["alice"], chat.id, "Последнее")
    state = chat.c["bob"].get("/api/v1/sync").json()
    assert state["me"]["login"] == "bob"
    assert state["last_event_id"] > 0
    [conversation] = [c for c in state["conversations"] if c["id"] == chat.id]
    assert conversation["last_message"]["body"] == "Последнее"
    assert conversation["unread"] == 2
    assert conversation["peer_id"] is None
    assert {u["login"] for u in state["users"]} == {"alice"}  # the last message's author
    assert chat.c["outsider"].get("/api/v1/sync").json()["conversations"] == []


def test_a_direct_chat_names_the_other_person(chat):
    direct = chat.c["alice"].post(
        "/api/v1/conversations/direct", {"user_id": str(chat.bob.pk)}, format="json"
    )
    direct_id = direct.json()["id"]
    for viewer, other in (("alice", chat.bob), ("bob", chat.alice)):
        state = chat.c[viewer].get("/api/v1/sync").json()
        [entry] = [c for c in state["conversations"] if c["id"] == direct_id]
        assert entry["peer_id"] == str(other.pk)
        assert str(other.pk) in {u["id"] for u in state["users"]}
        listed = chat.c[viewer].get("/api/v1/conversations").json()["results"]
        assert [c["peer_id"] for c in listed if c["id"] == direct_id] == [str(other.pk)]
    single = chat.c["alice"].get(f"/api/v1/conversations/{direct_id}").json()
    assert single["peer_id"] == str(chat.bob.pk)


def test_threads_count_replies_and_channel_comments_follow_the_owner(chat):
    channel = (
        chat.c["owner"]
        .post(
            "/api/v1/conversations",
            {"kind": "channel", "title": "Новости", "member_ids": [str(chat.alice.pk)]},
            format="json",
        )
        .json()
    )
    post = _send(chat.c["owner"], channel["id"], "Пресс-релиз").json()

    def comment(client):
        return client.post(
            f"/api/v1/conversations/{channel['id']}/messages",
            {"client_id": str(uuid.uuid4()), "body": "Вопрос", "thread_root": post["id"]},
            format="json",
        )

    assert_api_error(comment(chat.c["alice"]), 403, "posting_not_allowed")
    chat.c["owner"].patch(
        f"/api/v1/conversations/{channel['id']}", {"comments_enabled": True}, format="json"
    )
    with capture_events() as captured:
        assert comment(chat.c["alice"]).status_code == 201
    [(thread, _)] = captured.of_type("thread")
    assert thread["root_id"] == post["id"] and thread["reply_count"] == 1
    replies = chat.c["owner"].get(f"/api/v1/messages/{post['id']}/thread").json()
    assert [r["body"] for r in replies["results"]] == ["Вопрос"]
    assert replies["root"]["reply_count"] == 1
    timeline = chat.c["owner"].get(f"/api/v1/conversations/{channel['id']}/messages").json()
    assert "Вопрос" not in [m["body"] for m in timeline["results"]]
    assert (
        chat.c["alice"]
        .post(f"/api/v1/messages/{post['id']}/follow", {"follow": False}, format="json")
        .status_code
        == 204
    )
    assert_api_error(chat.c["outsider"].get(f"/api/v1/messages/{post['id']}/thread"), 404,
                     "message_not_found")  # fmt: skip


def test_forwarding_needs_read_access_and_keeps_the_source(chat):
    original = _send(chat.c["alice"], chat.id, "Служебная записка").json()
    direct = (
        chat.c["bob"]
        .post("/api/v1/conversations/direct", {"user_id": str(chat.outsider.pk)}, format="json")
        .json()
    )
    forwarded = chat.c["bob"].post(
        f"/api/v1/messages/{original['id']}/forward",
        {"conversation_id": direct["id"], "client_id": "fwd-1"},
        format="json",
    )
    assert forwarded.status_code == 201, forwarded.content
    body = forwarded.json()
    assert body["body"] == "Служебная записка"
    assert body["forwarded_from"] == {
        "message_id": original["id"],
        "author_id": str(chat.alice.pk),
        "conversation_id": chat.id,
    }
    # the outsider cannot forward what they cannot read
    response = chat.c["outsider"].post(
        f"/api/v1/messages/{original['id']}/forward",
        {"conversation_id": direct["id"], "client_id": "fwd-2"},
        format="json",
    )
    assert_api_error(response, 404, "message_not_found")


def _send_mentioning(client, conversation_id, mentions):
    return client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"client_id": str(uuid.uuid4()), "body": "Прошу посмотреть", "mentions": mentions},
        format="json",
    )


def test_mentions_count_for_the_mentioned_members_only(chat):
    response = _send_mentioning(
        chat.c["alice"], chat.id, {"users": [str(chat.bob.pk), str(chat.outsider.pk)]}
    )
    assert response.status_code == 201, response.content
    assert chat.c["bob"].get(f"/api/v1/conversations/{chat.id}").json()["mentions"] == 1
    assert chat.c["owner"].get(f"/api/v1/conversations/{chat.id}").json()["mentions"] == 0
    chat.c["bob"].post(f"/api/v1/conversations/{chat.id}/read", {"seq": 100}, format="json")
    assert chat.c["bob"].get(f"/api/v1/conversations/{chat.id}").json()["mentions"] == 0


def test_department_and_all_mentions(chat):
    from tests.factories.accounts import DepartmentFactory

    department = DepartmentFactory.create(agency=chat.bob.agency)
    chat.bob.department = department
    chat.bob.save()
    _send_mentioning(chat.c["alice"], chat.id, {"departments": [str(department.pk)]})
    assert chat.c["bob"].get(f"/api/v1/conversations/{chat.id}").json()["mentions"] == 1
    _send_mentioning(chat.c["alice"], chat.id, {"all": True})
    assert chat.c["owner"].get(f"/api/v1/conversations/{chat.id}").json()["mentions"] == 1


def test_more_than_50_mentions_is_400(chat):
    response = _send_mentioning(
        chat.c["alice"], chat.id, {"users": [str(uuid.uuid4()) for _ in range(51)]}
    )
    assert_api_error(response, 400, "too_many_mentions")
    assert not Message.objects.filter(conversation_id=chat.id, kind="text").exists()


def test_mention_all_in_a_large_group_is_for_admins(chat, monkeypatch):
    from messaging.services import messages

    monkeypatch.setattr(messages, "MENTION_ALL_FREE_UP_TO", 2)
    assert_api_error(_send_mentioning(chat.c["alice"], chat.id, {"all": True}), 403,
                     "mention_all_not_allowed")  # fmt: skip
    assert _send_mentioning(chat.c["owner"], chat.id, {"all": True}).status_code == 201


def test_posting_faster_than_the_rate_limit_is_429(chat, monkeypatch):
    from messaging.api.views import MessageSendThrottle

    monkeypatch.setattr(MessageSendThrottle, "THROTTLE_RATES", {"message_send": "3/min"})
    for _ in range(3):
        assert _send(chat.c["alice"], chat.id).status_code == 201
    response = _send(chat.c["alice"], chat.id)
    assert_api_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # reading is not limited by it, and other users are not affected
    assert chat.c["alice"].get(f"/api/v1/conversations/{chat.id}/messages").status_code == 200
    assert _send(chat.c["bob"], chat.id).status_code == 201


def test_sync_gives_the_limits_a_client_checks_before_sending(chat, settings):
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    limits = chat.c["bob"].get("/api/v1/sync").json()["limits"]
    assert limits == {
        "max_upload_bytes": 5 * 1024 * 1024,
        "max_attachments_per_message": 10,
        "max_body_chars": 10_000,
    }
    assert api_client(None).get("/api/v1/sync").status_code == 401


def test_a_thread_says_whether_the_caller_follows_it(chat):
    root = _send(chat.c["alice"], chat.id, "Обсудим").json()
    url = f"/api/v1/messages/{root['id']}/thread"
    assert chat.c["alice"].get(url).json()["following"] is False
    reply = {"client_id": str(uuid.uuid4()), "body": "Да", "thread_root": root["id"]}
    chat.c["bob"].post(f"/api/v1/conversations/{chat.id}/messages", reply, format="json")
    # Authors of the root and of replies follow automatically; following is per caller.
    assert chat.c["alice"].get(url).json()["following"] is True
    assert chat.c["bob"].get(url).json()["following"] is True
    assert chat.c["owner"].get(url).json()["following"] is False
    follow = f"/api/v1/messages/{root['id']}/follow"
    assert chat.c["bob"].post(follow, {"follow": False}, format="json").status_code == 204
    assert chat.c["bob"].get(url).json()["following"] is False
    assert chat.c["owner"].post(follow, {"follow": True}, format="json").status_code == 204
    assert chat.c["owner"].get(url).json()["following"] is True
    assert_api_error(chat.c["owner"].post(follow, {"follow": "maybe"}, format="json"), 400,
                     "validation_failed")  # fmt: skip
    assert_api_error(chat.c["outsider"].get(url), 404, "message_not_found")


def test_your_own_actions_are_not_unread(chat):
    created = chat.c["owner"].post(
        "/api/v1/conversations",
        {"kind": "group", "title": "Рабочая", "member_ids": [str(chat.alice.pk)]},
        format="json",
    )
    group_id = created.json()["id"]
    added = chat.c["owner"].post(
        f"/api/v1/conversations/{group_id}/members",
        {"user_ids": [str(chat.bob.pk)]},
        format="json",
    )
    assert added.status_code in {200, 201}

    def unread(client):
        listed = client.get("/api/v1/conversations").json()["results"]
        return [c["unread"] for c in listed if c["id"] == group_id]

    assert unread(chat.c["owner"]) == [0]
    assert unread(chat.c["alice"]) == [2]  # "created the group", then "added Bob"
