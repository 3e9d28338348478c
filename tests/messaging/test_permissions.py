"""Conversation roles as django-guardian object permissions: what each role may do through
the REST API, that the permission rows follow every membership change, and that the rows,
not the role column, decide."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from messaging import services
from messaging.models import (
    Conversation,
    ConversationGroupObjectPermission,
    ConversationUserObjectPermission,
)
from messaging.permissions import ROLE_PERMISSIONS, role_permissions
from portal import clock
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "member", "read_only")


def _rows(conversation_id: Any) -> dict[str, set[str]]:
    """user id → the codenames of their permission rows on the conversation."""
    held: dict[str, set[str]] = {}
    for user_id, codename in ConversationUserObjectPermission.objects.filter(
        content_object_id=conversation_id
    ).values_list("user_id", "permission__codename"):
        held.setdefault(str(user_id), set()).add(codename)
    return held


def _scene(kind: str = "group", comments: bool = False) -> SimpleNamespace:
    """A conversation with one member of each role, a plain member ``target`` (whom the
    actions act on), a ``post`` and a ``poll`` by the target, and a ``newcomer`` outside;
    all set up through the services."""
    owner, admin, member, read_only, target, newcomer = (UserFactory.create() for _ in range(6))
    conversation = services.conversation_create(
        actor=owner, kind=kind, title="Штаб", comments_enabled=comments,
        member_ids=[admin.pk, member.pk, read_only.pk, target.pk],
    )  # fmt: skip
    for user, role in ((admin, "admin"), (read_only, "read_only")):
        services.member_role_set(
            actor=owner, conversation_id=conversation.pk, user_id=user.pk, role=role
        )
    # In a channel the target cannot post in the timeline: the owner posts for them there.
    author = target if kind == "group" else owner
    post, _ = services.message_send(
        actor=author, conversation_id=conversation.pk, client_id="post", body="Отчёт"
    )
    poll, _ = services.poll_create(
        actor=author, conversation_id=conversation.pk, client_id="poll", question="Когда?",
        options=["Сегодня", "Завтра"], multiple=False, anonymous=False,
    )  # fmt: skip
    users = {"owner": owner, "admin": admin, "member": member, "read_only": read_only}
    return SimpleNamespace(
        id=str(conversation.pk), users=users, target=target, newcomer=newcomer,
        post=str(post.pk), poll=str(poll.pk),
    )  # fmt: skip


def _send(client: Any, s: SimpleNamespace, **extra: Any) -> Any:
    body = {"client_id": str(uuid.uuid4()), "body": "Принято", **extra}
    return client.post(f"/api/v1/conversations/{s.id}/messages", body, format="json")


def _role(client: Any, s: SimpleNamespace, role: str) -> Any:
    url = f"/api/v1/conversations/{s.id}/members/{s.target.pk}/role"
    return client.post(url, {"role": role}, format="json")


def _react(client: Any, s: SimpleNamespace) -> Any:
    return client.post(f"/api/v1/messages/{s.post}/reactions", {"emoji": "👍"}, format="json")


def _vote(client: Any, s: SimpleNamespace) -> Any:
    return client.post(f"/api/v1/messages/{s.poll}/vote", {"options": [0]}, format="json")


def _schedule(client: Any, s: SimpleNamespace) -> Any:
    later = (clock.now() + dt.timedelta(hours=1)).isoformat()
    body = {"client_id": "later", "body": "Позже", "send_at": later}
    return client.post(f"/api/v1/conversations/{s.id}/scheduled", body, format="json")


def _add(client: Any, s: SimpleNamespace) -> Any:
    body = {"user_ids": [str(s.newcomer.pk)]}
    return client.post(f"/api/v1/conversations/{s.id}/members", body, format="json")


def _rename(client: Any, s: SimpleNamespace) -> Any:
    return client.patch(f"/api/v1/conversations/{s.id}", {"title": "Новое"}, format="json")


# Each action: what it does through the API, and its status when allowed.
ACTIONS: dict[str, tuple[Callable[[Any, SimpleNamespace], Any], int]] = {
    "post": (lambda c, s: _send(c, s), 201),
    "reply_in_thread": (lambda c, s: _send(c, s, thread_root=s.post), 201),
    "react": (_react, 201),
    "vote": (_vote, 200),
    "schedule": (_schedule, 201),
    "mention_all": (lambda c, s: _send(c, s, mentions={"all": True}), 201),
    "pin": (lambda c, s: c.post(f"/api/v1/messages/{s.post}/pin"), 204),
    "delete_others": (lambda c, s: c.delete(f"/api/v1/messages/{s.post}"), 200),
    "close_others_poll": (lambda c, s: c.post(f"/api/v1/messages/{s.poll}/close-poll"), 200),
    "add_member": (_add, 200),
    "remove_member": (
        lambda c, s: c.delete(f"/api/v1/conversations/{s.id}/members/{s.target.pk}"),
        204,
    ),
    "make_read_only": (lambda c, s: _role(c, s, "read_only"), 204),
    "make_admin": (lambda c, s: _role(c, s, "admin"), 204),
    "change_settings": (_rename, 200),
    "transfer_ownership": (lambda c, s: _role(c, s, "owner"), 204),
}

# Outcomes for (owner, admin, member, read-only): OK, or the code of the 403.
OK = None
POSTING = "posting_not_allowed"
ADMIN = "not_conversation_admin"
DELETE = "delete_not_allowed"
MENTION = "mention_all_not_allowed"
GROUP_MATRIX: dict[str, tuple[str | None, ...]] = {
    "post": (OK, OK, OK, POSTING),
    "reply_in_thread": (OK, OK, OK, POSTING),
    "react": (OK, OK, OK, POSTING),
    "vote": (OK, OK, OK, POSTING),
    "schedule": (OK, OK, OK, POSTING),
    "mention_all": (OK, OK, MENTION, POSTING),
    "pin": (OK, OK, ADMIN, ADMIN),
    "delete_others": (OK, OK, DELETE, DELETE),
    "close_others_poll": (OK, OK, ADMIN, ADMIN),
    "add_member": (OK, OK, ADMIN, ADMIN),
    "remove_member": (OK, OK, ADMIN, ADMIN),
    "make_read_only": (OK, OK, ADMIN, ADMIN),
    "make_admin": (OK, OK, ADMIN, ADMIN),
    "change_settings": (OK, OK, ADMIN, ADMIN),
    "transfer_ownership": (OK, ADMIN, ADMIN, ADMIN),
}


def _check(s: SimpleNamespace, role: str, action: str, refusal: str | None) -> None:
    do, allowed_status = ACTIONS[action]
    response = do(api_client(s.users[role]), s)
    if refusal is None:
        assert response.status_code == allowed_status, (role, action, response.content)
    else:
        assert_api_error(response, 403, refusal)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(GROUP_MATRIX))
def test_group_roles(role, action, monkeypatch):
    from messaging.services import messages

    monkeypatch.setattr(messages, "MENTION_ALL_FREE_UP_TO", 2)
    _check(_scene("group"), role, action, GROUP_MATRIX[action][ROLES.index(role)])


# In a channel: keyed by action and whether the channel allows comments.
CHANNEL_MATRIX: dict[tuple[str, bool], tuple[str | None, ...]] = {
    ("post", False): (OK, OK, POSTING, POSTING),
    ("reply_in_thread", False): (OK, OK, POSTING, POSTING),
    ("reply_in_thread", True): (OK, OK, OK, POSTING),
    ("react", False): (OK, OK, OK, POSTING),
    ("vote", False): (OK, OK, OK, POSTING),
    ("schedule", True): (OK, OK, POSTING, POSTING),
    ("pin", False): (OK, OK, ADMIN, ADMIN),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "comments"), list(CHANNEL_MATRIX))
def test_channel_roles(role, action, comments):
    refusal = CHANNEL_MATRIX[action, comments][ROLES.index(role)]
    _check(_scene("channel", comments), role, action, refusal)


def test_direct_chat_members_post_and_pin_but_manage_nothing():
    alice, bob, carol = (UserFactory.create() for _ in range(3))
    direct = services.direct_conversation(actor=alice, other=bob)
    assert _rows(direct.pk) == {
        str(u.pk): set(role_permissions("direct", "member")) for u in (alice, bob)
    }
    message, _ = services.message_send(
        actor=bob, conversation_id=direct.pk, client_id="d", body="Привет"
    )
    client, base = api_client(alice), f"/api/v1/conversations/{direct.pk}"
    assert client.post(f"/api/v1/messages/{message.pk}/pin").status_code == 204
    assert_api_error(client.delete(f"/api/v1/messages/{message.pk}"), 403, "delete_not_allowed")
    for response in (
        client.patch(base, {"title": "Наш"}, format="json"),
        client.post(f"{base}/members", {"user_ids": [str(carol.pk)]}, format="json"),
        client.post(f"{base}/members/{bob.pk}/role", {"role": "read_only"}, format="json"),
        client.delete(f"{base}/members/{alice.pk}"),  # a direct chat keeps its pair
    ):
        assert_api_error(response, 403, "not_conversation_admin")


@pytest.mark.parametrize("action", list(GROUP_MATRIX))
def test_outsiders_get_404_and_learn_nothing(action):
    s = _scene("group")
    response = ACTIONS[action][0](api_client(s.newcomer), s)
    by_message = action in {"react", "vote", "pin", "delete_others", "close_others_poll"}
    error = assert_api_error(
        response, 404, "message_not_found" if by_message else "conversation_not_found"
    )
    assert "Штаб" not in str(error) and "Отчёт" not in str(error)


def test_every_role_reads_and_all_but_the_owner_leave():
    s = _scene("group")
    for role, user in s.users.items():
        client = api_client(user)
        assert client.get(f"/api/v1/conversations/{s.id}/messages").status_code == 200
        leave = client.delete(f"/api/v1/conversations/{s.id}/members/{user.pk}")
        if role == "owner":
            assert_api_error(leave, 409, "owner_cannot_leave")
        else:
            assert leave.status_code == 204, (role, leave.content)


def test_admins_manage_only_those_below_them():
    s = _scene("group")
    owner, admin = s.users["owner"], s.users["admin"]
    other_admin = s.target
    services.member_role_set(
        actor=owner, conversation_id=s.id, user_id=other_admin.pk, role="admin"
    )
    client, base = api_client(admin), f"/api/v1/conversations/{s.id}/members"
    for response in (
        client.delete(f"{base}/{other_admin.pk}"),
        client.post(f"{base}/{other_admin.pk}/role", {"role": "member"}, format="json"),
        client.post(f"{base}/{admin.pk}/role", {"role": "member"}, format="json"),
    ):
        assert_api_error(response, 403, "not_conversation_admin")
    # removing the owner is refused before anything else, as for leaving
    assert_api_error(client.delete(f"{base}/{owner.pk}"), 409, "owner_cannot_leave")
    member = s.users["member"]
    promoted = client.post(f"{base}/{member.pk}/role", {"role": "admin"}, format="json")
    assert promoted.status_code == 204
    owner_client = api_client(owner)
    assert owner_client.delete(f"{base}/{other_admin.pk}").status_code == 204


def test_rows_follow_roles_through_every_change():
    s = _scene("group")
    owner, admin, member, read_only = (s.users[r] for r in ROLES)
    target = s.target
    grants = ROLE_PERMISSIONS["group"]
    # Read-only members hold no rows: reading is membership.
    assert _rows(s.id) == {
        str(owner.pk): grants["owner"], str(admin.pk): grants["admin"],
        str(member.pk): grants["member"], str(target.pk): grants["member"],
    }  # fmt: skip
    # a role change
    services.member_role_set(actor=admin, conversation_id=s.id, user_id=member.pk, role="admin")
    assert _rows(s.id)[str(member.pk)] == grants["admin"]
    services.member_role_set(actor=owner, conversation_id=s.id, user_id=read_only.pk, role="member")
    assert _rows(s.id)[str(read_only.pk)] == grants["member"]
    # a transfer: the new owner gets everything, the former one becomes an admin
    services.member_role_set(actor=owner, conversation_id=s.id, user_id=admin.pk, role="owner")
    rows = _rows(s.id)
    assert rows[str(admin.pk)] == grants["owner"] and rows[str(owner.pk)] == grants["admin"]
    # leaving and removal take every row
    services.conversation_member_remove(actor=target, conversation_id=s.id, user_id=target.pk)
    services.conversation_member_remove(actor=admin, conversation_id=s.id, user_id=member.pk)
    rows = _rows(s.id)
    assert str(target.pk) not in rows and str(member.pk) not in rows
    # coming back, by being added or by joining, grants a member's again
    services.conversation_members_add(actor=admin, conversation_id=s.id, user_ids=[member.pk])
    services.conversation_update(
        actor=admin, conversation_id=s.id, changes={"visibility": "server"}
    )
    services.conversation_join(actor=target, conversation_id=s.id)
    rows = _rows(s.id)
    assert rows[str(member.pk)] == rows[str(target.pk)] == grants["member"]
    # guardian's own backend reads the same rows (superusers aside)
    conversation = Conversation.objects.get(pk=s.id)
    assert get_user_obj_perms_model(conversation) is ConversationUserObjectPermission
    assert get_group_obj_perms_model(conversation) is ConversationGroupObjectPermission
    assert admin.has_perm("messaging.transfer_ownership", conversation)
    assert not owner.has_perm("messaging.transfer_ownership", conversation)
    # the rows go with the conversation
    Conversation.objects.filter(pk=s.id).delete()
    assert not ConversationUserObjectPermission.objects.filter(content_object_id=s.id).exists()


def test_the_rows_are_the_authority():
    s = _scene("group")
    conversation = Conversation.objects.get(pk=s.id)
    owner, member = s.users["owner"], s.users["member"]
    remove_perm("messaging.post_message", member, conversation)
    assert_api_error(_send(api_client(member), s), 403, "posting_not_allowed")
    # only posting went: the member still reacts
    reaction = api_client(member).post(
        f"/api/v1/messages/{s.post}/reactions", {"emoji": "👍"}, format="json"
    )
    assert reaction.status_code == 201
    remove_perm("messaging.manage_members", owner, conversation)
    response = api_client(owner).post(
        f"/api/v1/conversations/{s.id}/members", {"user_ids": [str(s.newcomer.pk)]},
        format="json",
    )  # fmt: skip
    assert_api_error(response, 403, "not_conversation_admin")
    # and a row granted directly is honoured too
    assign_perm("messaging.pin_messages", member, conversation)
    assert api_client(member).post(f"/api/v1/messages/{s.post}/pin").status_code == 204


def test_role_events_and_system_messages_go_to_exactly_the_members():
    s = _scene("group")
    owner, admin = s.users["owner"], s.users["admin"]
    members = {str(u.pk) for u in (*s.users.values(), s.target)}
    with capture_events() as captured:
        assert _role(api_client(admin), s, "read_only").status_code == 204
    [(role, recipients)] = captured.of_type("membership")
    assert role["op"] == "update" and role["role"] == "read_only" and recipients == members
    [(message, recipients)] = captured.of_type("message")
    assert message["message"]["system"]["event"] == "role_changed" and recipients == members
    with capture_events() as captured:
        assert _role(api_client(owner), s, "owner").status_code == 204
    changes = [(p["user_id"], p["role"], r) for p, r in captured.of_type("membership")]
    assert changes == [(str(owner.pk), "admin", members), (str(s.target.pk), "owner", members)]
    with capture_events() as captured:
        response = api_client(s.target).post(
            f"/api/v1/conversations/{s.id}/members", {"user_ids": [str(s.newcomer.pk)]},
            format="json",
        )  # fmt: skip
    assert response.json() == {"added": 1}
    [(added, recipients)] = captured.of_type("membership")
    assert added["op"] == "add" and recipients == members | {str(s.newcomer.pk)}


def test_granting_costs_the_same_few_statements_for_3_or_300_members():
    def creating(members: int) -> int:
        owner, *others = (UserFactory.create() for _ in range(members))
        with CaptureQueriesContext(connection) as queries:
            conversation = services.conversation_create(
                actor=owner, kind="group", title="Все", member_ids=[u.pk for u in others]
            )
        assert len(_rows(conversation.pk)) == members
        return len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]])

    assert creating(3) == creating(300)


@pytest.mark.django_db(transaction=True)
def test_the_migration_grants_existing_members_their_roles():
    """A database from before object permissions: memberships, but neither permission rows
    nor the new permissions themselves."""
    executor = MigrationExecutor(connection)
    granting = ("messaging", "0008_grant_conversation_permissions")
    before = executor.loader.get_migration(
        "messaging", "0007_conversation_permissions"
    ).dependencies
    [before_permissions] = [d for d in before if d[0] == "messaging"]
    leaves = executor.loader.graph.leaf_nodes()  # every app: those after messaging go back too
    executor.migrate([before_permissions])
    try:
        old = executor.loader.project_state([before_permissions]).apps
        old.get_model("auth", "Permission").objects.filter(
            content_type__app_label="messaging", codename__in=ROLE_PERMISSIONS["group"]["owner"]
        ).delete()
        users = [UserFactory.create() for _ in range(5)]
        Old, OldMembership = (old.get_model("messaging", m) for m in ("Conversation", "Membership"))
        now = clock.now()
        expected: dict[str, dict[str, frozenset[str]]] = {}
        for kind, roles in (
            ("group", ["owner", "admin", "member", "read_only"]),
            ("channel", ["owner", "admin", "member"]),
            ("direct", ["member", "member"]),
        ):
            conversation = Old.objects.create(kind=kind, title=kind, created_at=now)
            expected[str(conversation.pk)] = {}
            for user, role in zip(users, roles, strict=False):
                OldMembership.objects.create(
                    conversation=conversation, user_id=user.pk, role=role, joined_at=now
                )
                if role_permissions(kind, role):
                    expected[str(conversation.pk)][str(user.pk)] = role_permissions(kind, role)
            OldMembership.objects.create(
                conversation=conversation, user_id=users[4].pk, joined_at=now, left_at=now
            )
        executor = MigrationExecutor(connection)
        executor.migrate([granting])
        for conversation_id, rows in expected.items():
            assert _rows(conversation_id) == rows, conversation_id
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
