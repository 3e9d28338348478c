"""Adding members: many at once for a bounded cost (one upsert, one system message, one
event), limits by kind counted with one COUNT, and bad input that changes nothing."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.exceptions import InvalidMembers
from messaging.models import Conversation, Membership, Message
from portal.realtime.models import Event, TopicEvent
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db

# Access with the conversation lock 1; the caller's permissions 1; the
# users 1; which of them are members already 1; the member count 1; the upsert 1; their
# permissions 3 (member_permissions_set); the system message: conversation head 1, the
# message 1, members 1, the event log 2, the caller's read state 1; the membership event:
# members 1, the event log 2.
ADD_QUERIES = 18
# In a channel the same up to the permissions; then following its topic 4 (the topic, its
# head, who follows already, the new follows) and the newcomers' stream.follow 2; the system
# message: conversation head 1, the message 1, the topic 1, the caller's read state 1; the
# membership event: the topic 1. No query reads the members.
CHANNEL_ADD_QUERIES = 20


def _members_url(conversation_id):
    return f"/api/v1/conversations/{conversation_id}/members"


def _group(owner, others=(), kind="group"):
    return services.conversation_create(
        actor=owner, kind=kind, title="Штаб", member_ids=[u.pk for u in others]
    )


def _state(conversation):
    """Everything an add may change, to check that a refused one changed nothing."""
    return (
        sorted(
            Membership.objects.filter(conversation=conversation).values_list(
                "user_id", "role", "left_at", "last_read_seq"
            )
        ),
        Message.objects.filter(conversation=conversation).count(),
        Event.objects.count(),
    )


def _add_service(actor, conversation, users):
    # The service itself, measured without the request's authentication (whose policy
    # cache lapses every few seconds and would add a query now and then).
    return services.conversation_members_add(
        actor=actor, conversation_id=conversation.pk, user_ids=[u.pk for u in users]
    )


def _add(client, conversation, user_ids):
    return client.post(
        _members_url(conversation.pk), {"user_ids": [str(i) for i in user_ids]}, format="json"
    )


def test_adding_10_or_1000_costs_the_same_queries_and_one_event_row_per_member(db):
    agency = AgencyFactory.create()
    owner, alice, bob = UserFactory.create_batch(3, agency=agency)
    newcomers = UserFactory.create_batch(1010, agency=agency)
    client = api_client(owner)
    counts = []
    for added in (newcomers[:10], newcomers[10:]):
        group = _group(owner, [alice, bob])
        start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        with capture_events() as captured, CaptureQueriesContext(connection) as queries:
            assert _add_service(owner, group, added) == len(added)
        counts.append(
            [q["sql"][:120] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
        )
        everyone = {str(u.pk) for u in (owner, alice, bob, *added)}
        # One membership event and one system message, each one row per member.
        assert Event.objects.filter(id__gt=start).count() == 2 * len(everyone)
        [(membership, to)] = captured.of_type("membership")
        assert membership["op"] == "add" and to == everyone
        assert membership["user_ids"] == [str(u.pk) for u in added]
        assert membership["user_id"] == str(added[0].pk)
        [(message, to)] = captured.of_type("message")
        assert to == everyone
        assert message["message"]["system"] == {
            "event": "members_added", "users": [str(u.pk) for u in added]
        }  # fmt: skip
        assert Membership.objects.filter(conversation=group, left_at__isnull=True).count() == (
            len(everyone)
        )
        # Every newcomer got the permissions of a member and reads the conversation.
        assert api_client(added[-1]).get(_members_url(group.pk)).status_code == 200
    # And through the API, as clients call it.
    assert _add(client, _group(owner), [u.pk for u in newcomers[:3]]).json() == {"added": 3}
    assert len(counts[0]) == len(counts[1]) == ADD_QUERIES, "\n".join(counts[0])


def test_adding_to_a_channel_stores_its_events_once_whatever_the_number(db):
    agency = AgencyFactory.create()
    owner, reader = UserFactory.create_batch(2, agency=agency)
    newcomers = UserFactory.create_batch(1010, agency=agency)
    counts = []
    for added in (newcomers[:10], newcomers[10:]):
        channel = _group(owner, [reader], kind="channel")
        start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        topic_start = TopicEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        with capture_events() as captured, CaptureQueriesContext(connection) as queries:
            assert _add_service(owner, channel, added) == len(added)
        counts.append(len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]))
        # The notice and the membership event once, in the channel's topic; each newcomer's
        # own stream gets only the stream.follow that makes them hear both.
        assert TopicEvent.objects.filter(id__gt=topic_start).count() == 2
        follows = Event.objects.filter(id__gt=start)
        assert follows.count() == len(added) and {e.type for e in follows} == {"stream"}
        everyone = {str(u.pk) for u in (owner, reader, *added)}
        [(membership, to)] = captured.of_type("membership")
        assert to == everyone and membership["user_ids"] == [str(u.pk) for u in added]
    assert counts[0] == counts[1] == CHANNEL_ADD_QUERIES, counts


def test_one_user_added_is_still_a_member_added_message(db):
    owner, carol = UserFactory.create_batch(2)
    group = _group(owner)
    with capture_events() as captured:
        response = _add(api_client(owner), group, [carol.pk, carol.pk])  # repeats count once
    assert response.json() == {"added": 1}
    [(message, _)] = captured.of_type("message")
    assert message["message"]["system"] == {"event": "member_added", "user": str(carol.pk)}
    [(membership, to)] = captured.of_type("membership")
    assert membership["user_ids"] == [str(carol.pk)] and to == {str(owner.pk), str(carol.pk)}


def test_returning_members_keep_their_row_and_current_ones_are_left_alone(db):
    owner, admin, leaver, carol = UserFactory.create_batch(4)
    group = _group(owner, [admin, leaver])
    services.member_role_set(actor=owner, conversation_id=group.pk, user_id=leaver.pk,
                             role="admin")  # fmt: skip
    services.member_role_set(actor=owner, conversation_id=group.pk, user_id=admin.pk,
                             role="admin")  # fmt: skip
    services.conversation_member_remove(actor=leaver, conversation_id=group.pk, user_id=leaver.pk)
    old_row = Membership.objects.get(conversation=group, user=leaver)
    group.refresh_from_db()
    response = _add(api_client(owner), group, [leaver.pk, carol.pk, admin.pk, owner.pk])
    assert response.json() == {"added": 2}
    back = Membership.objects.get(conversation=group, user=leaver)
    assert back.pk == old_row.pk and back.left_at is None
    assert back.role == "member" and back.joined_at > old_row.joined_at
    assert back.last_read_seq == group.last_seq  # the notice of their return is unread
    assert Membership.objects.get(conversation=group, user=admin).role == "admin"
    assert Membership.objects.get(conversation=group, user=owner).role == "owner"
    [notice] = Message.objects.filter(conversation=group, system__event="members_added")
    assert notice.system["users"] == [str(leaver.pk), str(carol.pk)]
    # Back with a member's permissions, not the admin's they had before they left.
    assert_api_error(_add(api_client(leaver), group, [UserFactory.create().pk]), 403,
                     "not_conversation_admin")  # fmt: skip


def test_adding_only_current_members_changes_nothing(db):
    owner, alice = UserFactory.create_batch(2)
    group = _group(owner, [alice])
    before = _state(group)
    assert _add(api_client(owner), group, [alice.pk]).json() == {"added": 0}
    assert _state(group) == before


def test_more_than_1000_in_one_call_is_refused(db):
    owner = UserFactory.create()
    group = _group(owner)
    before = _state(group)
    ids = [uuid.uuid4() for _ in range(1001)]
    error = assert_api_error(_add(api_client(owner), group, ids), 400, "validation_failed")
    assert list(error["details"]["fields"]) == ["user_ids"]
    with pytest.raises(InvalidMembers):  # the service's own check, for callers other than REST
        services.conversation_members_add(actor=owner, conversation_id=group.pk, user_ids=ids)
    assert _state(group) == before


def test_unknown_inactive_and_bot_users_are_refused_and_nothing_is_added(db):
    owner, carol = UserFactory.create_batch(2)
    inactive = UserFactory.create(is_active=False)
    bot = UserFactory.create(is_bot=True)
    unknown = uuid.uuid4()
    group = _group(owner)
    before = _state(group)
    response = _add(api_client(owner), group, [carol.pk, inactive.pk, bot.pk, unknown])
    error = assert_api_error(response, 400, "invalid_members")
    refused = sorted(str(i) for i in (inactive.pk, bot.pk, unknown))
    assert sorted(error["details"]["users"]) == refused
    assert _state(group) == before


def test_outsiders_get_404_and_members_without_manage_members_403(db):
    owner, member, outsider, carol = UserFactory.create_batch(4)
    group = _group(owner, [member])
    before = _state(group)
    error = assert_api_error(_add(api_client(outsider), group, [carol.pk]), 404,
                             "conversation_not_found")  # fmt: skip
    assert "Штаб" not in str(error)
    assert_api_error(_add(api_client(member), group, [carol.pk]), 403, "not_conversation_admin")
    assert _state(group) == before


def test_nobody_is_added_to_a_direct_chat(db):
    alice, bob, carol = UserFactory.create_batch(3)
    direct = services.direct_conversation(actor=alice, other=bob)
    before = _state(direct)
    assert_api_error(_add(api_client(alice), direct, [carol.pk]), 403, "not_conversation_admin")
    assert _state(direct) == before


def test_the_member_limit_is_counted_and_depends_on_the_kind(db, monkeypatch):
    monkeypatch.setattr("messaging.services.conversations.MAX_GROUP_MEMBERS", 3)
    monkeypatch.setattr("messaging.services.conversations.MAX_CHANNEL_MEMBERS", 4)
    owner, alice, bob, carol = UserFactory.create_batch(4)
    group = _group(owner, [alice])
    before = _state(group)
    with CaptureQueriesContext(connection) as queries:
        response = _add(api_client(owner), group, [bob.pk, carol.pk])
    error = assert_api_error(response, 400, "invalid_members")
    assert error["details"] == {"limit": 3}
    assert _state(group) == before
    # Counted, never by reading the members' ids.
    assert any('SELECT COUNT(*)' in q["sql"] and "messaging_membership" in q["sql"]
               for q in queries.captured_queries)  # fmt: skip
    assert _add(api_client(owner), group, [bob.pk]).json() == {"added": 1}
    # A broadcast channel takes more members than a group.
    channel = _group(owner, [alice], kind="channel")
    assert _add(api_client(owner), channel, [bob.pk, carol.pk]).json() == {"added": 2}
    late = UserFactory.create()
    assert_api_error(_add(api_client(owner), channel, [late.pk]), 400, "invalid_members")


def test_joining_an_open_channel_checks_the_channel_limit(db, monkeypatch):
    monkeypatch.setattr("messaging.services.conversations.MAX_GROUP_MEMBERS", 1)
    monkeypatch.setattr("messaging.services.conversations.MAX_CHANNEL_MEMBERS", 2)
    agency = AgencyFactory.create()
    owner, reader, late = UserFactory.create_batch(3, agency=agency)
    channel = services.conversation_create(
        actor=owner, kind="channel", title="Новости", visibility=Conversation.Visibility.AGENCY
    )
    services.conversation_join(actor=reader, conversation_id=channel.pk)
    with pytest.raises(InvalidMembers) as refused:
        services.conversation_join(actor=late, conversation_id=channel.pk)
    assert refused.value.details == {"limit": 2}


def test_a_removal_names_the_one_member_in_user_ids(db):
    owner, alice = UserFactory.create_batch(2)
    group = _group(owner, [alice])
    with capture_events() as captured:
        response = api_client(owner).delete(f"{_members_url(group.pk)}/{alice.pk}")
    assert response.status_code == 204
    [(event, to)] = captured.of_type("membership")
    assert event["op"] == "remove" and to == {str(owner.pk), str(alice.pk)}
    assert event["user_ids"] == [str(alice.pk)] and event["user_id"] == str(alice.pk)
