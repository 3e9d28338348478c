"""The one-statement send (messaging/services/sql.py) against its oracle, the ORM path
(``messages._message_send_locked``): two identical scenes get the same sends, one through
each path, and must end with the same answers, refusals, events and rows."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import TestCase

from messaging import presence, services
from messaging.models import (
    Attachment,
    Conversation,
    Membership,
    Mention,
    Message,
    Notification,
    ThreadFollow,
)
from messaging.services import messages, sql
from messaging.services.attachments import attachment_upload
from portal import clock
from portal.errors import PortalError
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Scene:
    """Users, departments and conversations made by the real services, each under a name
    that is the same in both scenes, so rows and payloads can be compared by name."""

    def __init__(self, tag: str) -> None:
        self.names: dict[str, str] = {}
        parent = DepartmentFactory.create(name=f"Управление {tag}")
        child = DepartmentFactory.create(name=f"Отдел {tag}", agency=parent.agency, parent=parent)
        self.departments = {"parent": parent, "child": child}
        self.users = {
            "owner": UserFactory.create(login=f"owner-{tag}"),
            "alice": UserFactory.create(login=f"alice-{tag}"),
            "bob": UserFactory.create(login=f"bob-{tag}", department=parent),
            "carol": UserFactory.create(login=f"carol-{tag}", department=child),
            "dave": UserFactory.create(login=f"dave-{tag}"),
            "outsider": UserFactory.create(login=f"outsider-{tag}"),
        }
        crowd = [UserFactory.create(login=f"crowd{n}-{tag}") for n in range(51)]
        u = self.users
        owner = u["owner"]
        group = services.conversation_create(
            actor=owner, kind="group", title="Штаб",
            member_ids=[u[n].pk for n in ("alice", "bob", "carol", "dave")],
        )  # fmt: skip
        services.member_role_set(
            actor=owner, conversation_id=group.pk, user_id=u["dave"].pk, role="read_only"
        )
        channel = services.conversation_create(
            actor=owner, kind="channel", title="Новости", member_ids=[u["alice"].pk],
            comments_enabled=True,
        )  # fmt: skip
        other = services.conversation_create(
            actor=owner, kind="group", title="Другая", member_ids=[u["alice"].pk]
        )
        big = services.conversation_create(
            actor=owner, kind="group", title="Все",
            member_ids=[u["alice"].pk, *(c.pk for c in crowd)],
        )  # fmt: skip
        direct = services.direct_conversation(actor=owner, other=u["bob"])
        self.conversations = {
            "group": group, "channel": channel, "other": other, "big": big, "direct": direct
        }  # fmt: skip
        self.uploads: dict[str, Attachment] = {}
        for name, who in (("a1", "alice"), ("a2", "alice"), ("a3", "alice"), ("b1", "bob")):
            self.uploads[name] = attachment_upload(
                actor=u[who], conversation_id=group.pk, upload=io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
                filename=f"{name}.pdf",
            )  # fmt: skip
        for kind, objects in (
            ("user", self.users), ("department", self.departments),
            ("conversation", self.conversations), ("attachment", self.uploads),
        ):  # fmt: skip
            for name, obj in objects.items():
                self.names[str(obj.pk)] = f"{kind}:{name}"
        for n, user in enumerate(crowd):
            self.names[str(user.pk)] = f"user:crowd{n}"
        self.sent: dict[str, Message] = {}

    def message_names(self) -> None:
        """Name every message of the scene by its conversation and seq."""
        for message in Message.objects.filter(conversation__in=self.conversations.values()):
            conversation = self.names[str(message.conversation_id)].split(":")[1]
            self.names[str(message.pk)] = f"message:{conversation}#{message.seq}"

    def named(self, value: Any) -> Any:
        """``value`` with every id replaced by its name (an unknown id stays as it is, so
        the two scenes differ there)."""
        if isinstance(value, dict) and set(value) == {"users", "departments", "all"}:
            # Stored mentions are sorted by id, which differs from scene to scene.
            return {
                "users": sorted(self.named(value["users"])),
                "departments": sorted(self.named(value["departments"])),
                "all": value["all"],
            }
        if isinstance(value, dict):
            return {k: self.named(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.named(v) for v in value]
        if isinstance(value, set | frozenset):
            return sorted(self.named(v) for v in value)
        if isinstance(value, uuid.UUID | str):
            return self.names.get(str(value), value)
        return value


def _root(scene: Scene) -> Any:
    return scene.sent["plain"].pk


# Each case: its name, who sends, and the arguments as a function of the scene.
CASES: list[tuple[str, str, Callable[[Scene], dict[str, Any]]]] = [
    ("plain", "alice", lambda s: {"conversation": "group", "client_id": "c1",
                                  "body": "Привет **всем**"}),
    ("reply", "bob", lambda s: {"conversation": "group", "client_id": "c2", "body": "да",
                                "reply_to_id": _root(s)}),
    ("thread", "carol", lambda s: {"conversation": "group", "client_id": "c3",
                                   "body": "в ветке", "thread_root_id": _root(s)}),
    ("thread_by_root_author", "alice", lambda s: {"conversation": "group", "client_id": "c4",
                                                  "body": "и я", "thread_root_id": _root(s)}),
    ("mentions", "alice", lambda s: {
        "conversation": "group", "client_id": "c5", "body": "@bob @отдел",
        "mentions": {"users": [s.users[n].pk for n in ("bob", "outsider", "alice")],
                     "departments": [s.departments["parent"].pk]}}),
    ("mention_all", "bob", lambda s: {"conversation": "group", "client_id": "c6",
                                      "body": "@all", "mentions": {"all": True}}),
    ("attachments", "alice", lambda s: {
        "conversation": "group", "client_id": "c7", "body": "",
        "attachment_ids": [s.uploads["a2"].pk, s.uploads["a1"].pk, str(s.uploads["a2"].pk)]}),
    ("attachments_not_own_or_bound", "alice", lambda s: {
        "conversation": "group", "client_id": "c8", "body": "файлы",
        "attachment_ids": [s.uploads["a3"].pk, s.uploads["b1"].pk, s.uploads["a1"].pk,
                           "not-an-id"]}),
    ("attachments_too_many", "alice", lambda s: {
        "conversation": "group", "client_id": "c9", "body": "файлы",
        "attachment_ids": [uuid.UUID(int=n) for n in range(11)]}),
    ("forwarded", "alice", lambda s: {"forward": s.sent["plain"].pk, "conversation": "other",
                                      "client_id": "c10"}),
    ("repeated_client_id", "alice", lambda s: {"conversation": "group", "client_id": "c1",
                                               "body": "ещё раз"}),
    ("client_id_of_another_conversation", "alice", lambda s: {
        "conversation": "other", "client_id": "c1", "body": "ещё раз"}),
    ("channel_member_in_timeline", "alice", lambda s: {"conversation": "channel",
                                                       "client_id": "c11", "body": "можно?"}),
    ("read_only_member", "dave", lambda s: {"conversation": "group", "client_id": "c12",
                                            "body": "можно?"}),
    ("channel_post", "owner", lambda s: {"conversation": "channel", "client_id": "c13",
                                         "body": "Новость"}),
    ("channel_comment", "alice", lambda s: {
        "conversation": "channel", "client_id": "c14", "body": "комментарий",
        "thread_root_id": s.sent["channel_post"].pk}),
    ("outsider", "outsider", lambda s: {"conversation": "group", "client_id": "c15",
                                        "body": "я тут"}),
    ("not_a_conversation_id", "alice", lambda s: {"conversation": None, "client_id": "c16",
                                                  "body": "куда?"}),
    ("thread_root_is_a_reply", "bob", lambda s: {"conversation": "group", "client_id": "c17",
                                                 "body": "x",
                                                 "thread_root_id": s.sent["thread"].pk}),
    ("reply_to_elsewhere", "alice", lambda s: {"conversation": "group", "client_id": "c18",
                                               "body": "x",
                                               "reply_to_id": s.sent["forwarded"].pk}),
    ("mention_all_by_member_in_big", "alice", lambda s: {
        "conversation": "big", "client_id": "c19", "body": "@all", "mentions": {"all": True}}),
    ("mention_all_by_owner_in_big", "owner", lambda s: {
        "conversation": "big", "client_id": "c20", "body": "@all", "mentions": {"all": True}}),
    ("direct", "owner", lambda s: {"conversation": "direct", "client_id": "c21",
                                   "body": "Зайдите"}),
    ("poll", "alice", lambda s: {"poll": True, "conversation": "group", "client_id": "c22"}),
    ("empty", "alice", lambda s: {"conversation": "group", "client_id": "c23", "body": "  "}),
]  # fmt: skip


def _send(scene: Scene, actor_name: str, args: dict[str, Any]) -> tuple[Message, bool]:
    actor = scene.users[actor_name]
    name = args.pop("conversation")
    conversation_id: Any = scene.conversations[name].pk if name else "not-a-uuid"
    if "forward" in args:
        return services.message_forward(
            actor=actor, message_id=args["forward"], to_conversation_id=conversation_id,
            client_id=args["client_id"],
        )  # fmt: skip
    if args.pop("poll", False):
        return services.poll_create(
            actor=actor, conversation_id=conversation_id, client_id=args["client_id"],
            question="Когда?", options=["утром", "вечером"], multiple=False, anonymous=False,
        )  # fmt: skip
    return services.message_send(actor=actor, conversation_id=conversation_id, **args)


def _play(tag: str) -> tuple[list[Any], dict[str, Any]]:
    """Build a scene and send every case into it; what each answered and published, and
    the rows the sends left, all by name."""
    results = []
    with clock.frozen(T0) as frozen:
        scene = Scene(tag)
        presence.presence_report(scene.users["alice"].pk, f"socket-{tag}", "online")
        try:
            for case, actor, arguments in CASES:
                frozen.advance(1)
                outcome: Any
                # What runs after commit (notifications) runs at the end of each send.
                with (
                    capture_events() as captured,
                    TestCase.captureOnCommitCallbacks(execute=True),
                ):
                    try:
                        message, created = _send(scene, actor, arguments(scene))
                    except PortalError as error:
                        outcome = ("refused", type(error).__name__, error.message, error.details)
                    else:
                        scene.sent[case] = message
                        outcome = ("sent", created, messages.events.message_payload(message))
                results.append((case, outcome, captured.events))
        finally:
            presence.presence_leave(scene.users["alice"].pk, f"socket-{tag}")
    scene.message_names()
    conversations = list(scene.conversations.values())
    rows: dict[str, list[Any]] = {
        "messages": sorted(
            (m for m in Message.objects.filter(conversation__in=conversations).values()),
            key=lambda m: (scene.named(m["conversation_id"]), m["seq"]),
        ),
        "conversations": list(
            Conversation.objects.filter(pk__in=[c.pk for c in conversations]).values(
                "id", "last_seq", "last_message_at"
            )
        ),
        "memberships": list(
            Membership.objects.filter(conversation__in=conversations).values(
                "conversation_id", "user_id", "role", "last_read_seq"
            )
        ),
        "mentions": list(
            Mention.objects.filter(conversation__in=conversations).values(
                "message_id", "user_id", "conversation_id", "seq"
            )
        ),
        "follows": list(
            ThreadFollow.objects.filter(root__conversation__in=conversations).values(
                "root_id", "user_id"
            )
        ),
        "notifications": list(
            Notification.objects.filter(conversation__in=conversations).values(
                "user_id", "kind", "conversation_id", "message_id", "created_at", "read_at"
            )
        ),
        "attachments": list(
            Attachment.objects.filter(conversation__in=conversations).values(
                "id", "message_id", "position"
            )
        ),
    }
    for row in rows["messages"]:
        if row["kind"] == Message.Kind.SYSTEM:
            row["client_id"] = "system:…"  # a fresh uuid each time
    named_rows = {}
    for table, values in rows.items():
        named = [scene.named({k: v for k, v in row.items() if k != "search_vector"})
                 for row in values]  # fmt: skip
        named_rows[table] = named if table == "messages" else sorted(named, key=repr)
    return scene.named(results), named_rows


def test_the_one_statement_send_does_what_the_orm_path_does(monkeypatch):
    statements = []
    real = sql.send_statement

    def counted(**kwargs: Any) -> Any:
        statements.append(kwargs["client_id"])
        return real(**kwargs)

    monkeypatch.setattr(sql, "send_statement", counted)
    got, got_rows = _play("sql")
    # Every case reaches it but the ones refused before any query.
    assert len(statements) == len(CASES) - 2
    monkeypatch.setattr(messages, "_message_send_sql", messages._message_send_locked)
    statements.clear()
    expected, expected_rows = _play("orm")
    assert statements == []

    for (case, outcome, published), (_, want, want_published) in zip(got, expected, strict=True):
        assert outcome == want, case
        assert published == want_published, case
    for table, want in expected_rows.items():
        assert got_rows[table] == want, table

    by_case = {case: outcome for case, outcome, _ in got}
    # The scenes did exercise what they are meant to: a sanity check of the oracle itself.
    assert by_case["repeated_client_id"][:2] == ["sent", False]
    assert by_case["attachments"][2]["attachments"][0]["filename"] == "a2.pdf"
    assert by_case["attachments_not_own_or_bound"][3] == {
        "attachment_ids": ["attachment:b1", "attachment:a1", "not-an-id"]  # a1: bound already
    }
    refused = {case: outcome[1] for case, outcome in by_case.items() if outcome[0] == "refused"}
    assert refused == {
        "attachments_not_own_or_bound": "InvalidAttachments",
        "attachments_too_many": "InvalidAttachments",
        "client_id_of_another_conversation": "InvalidMessage",
        "channel_member_in_timeline": "NotAllowedToPost",
        "read_only_member": "NotAllowedToPost",
        "outsider": "ConversationNotFound",
        "not_a_conversation_id": "ConversationNotFound",
        "thread_root_is_a_reply": "InvalidMessage",
        "reply_to_elsewhere": "InvalidMessage",
        "mention_all_by_member_in_big": "MentionAllNotAllowed",
        "empty": "InvalidMessage",
    }
    mentioned = {m["user_id"] for m in got_rows["mentions"] if m["message_id"] == "message:group#7"}
    assert mentioned == {"user:bob", "user:carol"}  # carol through the child department
    assert sum(1 for m in got_rows["mentions"] if m["message_id"] == "message:big#2") == 52
    kinds = {(n["user_id"], n["kind"]) for n in got_rows["notifications"]}
    assert ("user:bob", "direct") in kinds and ("user:alice", "mention") not in kinds


@pytest.mark.django_db(transaction=True)
def test_a_send_that_waited_for_the_lock_reads_what_was_committed_meanwhile(monkeypatch):
    """A member added while a send waits for the conversation's lock gets the message: the
    statement read its snapshot before the lock was granted, sees that the conversation
    moved on, writes nothing, and runs again under the lock."""
    owner, alice, newcomer = (UserFactory.create(login=n) for n in ("owner", "alice", "new"))
    group = services.conversation_create(
        actor=owner, kind="group", title="Штаб", member_ids=[alice.pk]
    )
    runs = []
    real = sql.send_statement

    def counted(**kwargs: Any) -> Any:
        runs.append(kwargs["client_id"])
        return real(**kwargs)

    monkeypatch.setattr(sql, "send_statement", counted)
    holding, sending = threading.Event(), threading.Event()

    def add_while_a_send_waits() -> None:
        try:
            with transaction.atomic():
                services.conversation_members_add(
                    actor=owner, conversation_id=group.pk, user_ids=[newcomer.pk]
                )
                holding.set()
                sending.wait(5)
                with connection.cursor() as cursor:
                    for _ in range(100):  # until the send is blocked on our lock
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            " AND datname = current_database()"
                        )
                        if cursor.fetchone()[0]:
                            break
                        time.sleep(0.05)
        finally:
            connection.close()

    adder = threading.Thread(target=add_while_a_send_waits)
    adder.start()
    assert holding.wait(5)
    sending.set()
    with capture_events() as captured:
        message, created = services.message_send(
            actor=alice, conversation_id=group.pk, client_id="m1", body="Добро пожаловать"
        )
    adder.join(10)
    assert created and len(runs) == 2
    assert message.seq == 3  # after "created" and "member_added"
    [recipients] = [
        users for event, users in captured.of_type("message")
        if event["message"]["id"] == str(message.pk)
    ]  # fmt: skip
    assert recipients == {str(owner.pk), str(alice.pk), str(newcomer.pk)}
