"""The issue-11 benchmarks' own logic: the load generator's answers to socket sends and CPU
per message (bench/loadgen.py), the broadcast summaries (bench/broadcast.py), the query
shapes of bench/members_add.py, and the bulk channel fixture (bench/fixture.py) checked
against members, users and tokens the services made."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.broadcast import delivery_summary, per_post
from bench.fixture import bulk_members_add, bulk_streams, bulk_tokens, bulk_users, issue_tokens
from bench.loadgen import Run, cpu_per_message
from bench.members_add import statement_kinds
from messaging import selectors
from messaging.models import Conversation, Membership
from messaging.permissions import perms_of
from messaging.services import conversation_create, conversation_members_add
from portal.accounts.models import AuthSession, User
from portal.accounts.services import user_create
from portal.accounts.translit import search_text_for
from portal.audit.services import RequestContext
from portal.realtime.middleware import authenticate_token
from portal.realtime.models import Event, EventStream, TopicFollow
from tests.factories.accounts import AgencyFactory, UserFactory

# --- pure parts --------------------------------------------------------------------------------


def test_cpu_per_message_counts_daphne_postgres_and_redis_not_the_load_generator() -> None:
    cpu = {"daphne": 0.5, "postgres_bench": 0.1, "postgres_all": 0.3, "redis": 0.02,
           "loadgen": 0.9, "other": 0.4}  # fmt: skip
    # 0.62 cores for 10 s = 6.2 CPU-seconds over 1,000 messages.
    assert cpu_per_message(cpu, 10.0, 1000) == {
        "total": 6.2, "daphne": 5.0, "postgres": 1.0, "redis": 0.2,
    }  # fmt: skip
    assert cpu_per_message(cpu, 10.0, 0) == {}
    assert cpu_per_message({}, 0.0, 10) == {}


def _run_waiting(k: int, total: int = 3) -> tuple[Run, asyncio.Future[tuple[int, str]]]:
    run = Run(prefix="bx:", total=total, warmup=0)
    future = asyncio.get_running_loop().create_future()
    run.answers[k] = future
    return run, future


async def test_an_ack_answers_its_sender_with_the_status_and_time() -> None:
    run, waiting = _run_waiting(1)
    run.answer({"type": "ack", "ref": "bx:1", "status": 201, "result": {}}, now=12.5)
    assert waiting.result() == (201, "")
    assert run.answered[1] == 12.5


async def test_an_error_frame_answers_with_its_status_and_code() -> None:
    run, waiting = _run_waiting(2)
    frame = {"type": "error", "ref": "bx:2", "status": 429,
             "error": {"code": "throttled", "message": "…", "details": {}}}  # fmt: skip
    run.answer(frame, now=3.0)
    assert waiting.result() == (429, "throttled")


async def test_answers_of_other_runs_are_ignored_and_repeats_counted() -> None:
    run, waiting = _run_waiting(0)
    run.answer({"type": "ack", "ref": "other:0", "status": 201}, now=1.0)
    assert not waiting.done() and run.answered[0] == 0.0
    run.answer({"type": "ack", "ref": "bx:0", "status": 201}, now=1.0)
    run.answer({"type": "ack", "ref": "bx:0", "status": 200}, now=2.0)
    run.answer({"type": "ack", "ref": "bx:2", "status": 201}, now=2.0)  # nobody waits for it
    assert waiting.result() == (201, "")
    assert run.answered[0] == 1.0
    assert run.errors["ws_answer_unexpected"] == 2


def test_delivery_summary_counts_lost_and_late_members() -> None:
    arrivals = {0: 10.05, 1: 10.2, 2: 10.9, 3: 13.0}  # member 3 after the 2 s timeout
    summary = delivery_summary(10.0, arrivals, expected=5, timeout=2.0)
    assert summary["count"] == 3
    assert summary["p50"] == pytest.approx(200.0)
    assert summary["max"] == pytest.approx(900.0)
    assert summary["lost"] == 2  # member 4 never, member 3 too late
    assert summary["late"] == 1


def test_rows_per_post_include_tables_that_appeared() -> None:
    before = {"realtime_event": 100, "realtime_eventstream": 50}
    after = {"realtime_event": 300, "realtime_eventstream": 50, "realtime_topicevent": 4}
    assert per_post(before, after, 2) == {
        "realtime_event": 100.0, "realtime_eventstream": 0.0, "realtime_topicevent": 2.0,
    }  # fmt: skip
    assert per_post(before, after, 0) == {}


def test_statement_kinds_group_a_query_repeated_with_other_values() -> None:
    sqls = [
        "SELECT a FROM t WHERE id = 5 AND x IN (1, 2, 3)",
        "SELECT a FROM t WHERE id = 7 AND x IN (4)",
        "UPDATE t SET b = 'x' WHERE id = 1",
    ]
    kinds = statement_kinds(sqls)
    assert kinds[0][1] == 2
    assert kinds[1] == ("UPDATE t SET b = ? WHERE id = ?", 1)


# --- the bulk channel fixture against the services ---------------------------------------------


@pytest.fixture
def channel(db: None) -> tuple[User, Conversation]:
    owner = UserFactory.create()
    conversation = conversation_create(
        actor=owner, kind=Conversation.Kind.CHANNEL, title="Объявления", member_ids=[]
    )
    return owner, conversation


USER_FIELDS = ("is_active", "is_bot", "is_staff", "is_superuser", "language", "time_zone",
               "position", "agency_id")  # fmt: skip


def _user_fields(user: User) -> dict[str, object]:
    return {name: getattr(user, name) for name in USER_FIELDS}


def test_bulk_users_are_what_user_create_makes(db: None) -> None:
    agency = AgencyFactory.create()
    (bulk_id,) = bulk_users("bulk", 1, agency)
    bulk = User.objects.get(pk=bulk_id)
    made = user_create(
        actor=None, login="made.u000000", password=None, context=RequestContext.system(),
        agency=agency, last_name=bulk.last_name, first_name=bulk.first_name,
        position="Специалист",
    )  # fmt: skip
    made.refresh_from_db()
    assert _user_fields(bulk) == _user_fields(made)
    assert not bulk.has_usable_password() and not made.has_usable_password()
    assert bulk.search_text == search_text_for(bulk.last_name, bulk.first_name, "", bulk.login)
    # What User.save computes, computed again on save, is what the bulk path stored.
    stored = (bulk.login_key, bulk.search_text)
    bulk.save()
    bulk.refresh_from_db()
    assert (bulk.login_key, bulk.search_text) == stored
    # Made again: nothing new, the same ids.
    assert bulk_users("bulk", 1, agency) == [bulk_id]
    assert User.objects.filter(login__startswith="bulk.").count() == 1


def test_a_bulk_member_is_what_conversation_members_add_makes(
    channel: tuple[User, Conversation],
) -> None:
    owner, conversation = channel
    by_service = UserFactory.create()
    conversation_members_add(actor=owner, conversation_id=conversation.pk, user_ids=[by_service.pk])
    conversation.refresh_from_db()
    (bulk_id,) = bulk_users("bulk", 1, owner.agency)
    bulk_streams([bulk_id])
    bulk_members_add(conversation, [bulk_id])
    bulk = User.objects.get(pk=bulk_id)

    made = Membership.objects.get(conversation=conversation, user=by_service)
    fast = Membership.objects.get(conversation=conversation, user=bulk)
    fields = ("role", "left_at", "muted_until", "pinned", "archived")
    assert [getattr(fast, f) for f in fields] == [getattr(made, f) for f in fields]
    assert fast.role == Membership.Role.MEMBER
    # Read up to the newest message when added (the service's own system message comes
    # after it, so its member has one unread; the bulk path writes no history).
    assert fast.last_read_seq == conversation.last_seq
    assert made.last_read_seq == conversation.last_seq - 1
    assert perms_of(bulk, conversation) == perms_of(by_service, conversation)
    assert perms_of(bulk, conversation) == {"comment_in_threads", "react"}
    assert EventStream.objects.filter(user_id__in=[bulk.pk, by_service.pk]).count() == 2
    # Both follow the channel's topic from its head when they joined, and were told so.
    topic = f"conversation:{conversation.pk}"
    follows = {f.user_id: f for f in TopicFollow.objects.filter(topic_id=topic)}
    assert set(follows) == {owner.pk, by_service.pk, bulk.pk}
    assert follows[bulk.pk].until is None and follows[by_service.pk].until is None
    assert follows[bulk.pk].since >= follows[by_service.pk].since
    for user in (bulk, by_service):
        (told,) = Event.objects.filter(user=user, type="stream").values_list("payload", flat=True)
        assert told == {"type": "stream", "op": "follow", "topic": topic,
                        "after": follows[user.pk].since}  # fmt: skip
    assert selectors.access_conversation(bulk, conversation.pk)[1] == fast
    assert set(selectors.member_ids(conversation)) == {owner.pk, by_service.pk, bulk.pk}


def test_bulk_members_add_leaves_present_members_alone(channel: tuple[User, Conversation]) -> None:
    owner, conversation = channel
    ids = bulk_users("bulk", 3, owner.agency)
    bulk_members_add(conversation, ids[:2])
    bulk_members_add(conversation, ids)
    assert Membership.objects.filter(conversation=conversation).count() == 4
    owner_row = Membership.objects.get(conversation=conversation, user=owner)
    assert owner_row.role == Membership.Role.OWNER
    assert "transfer_ownership" in perms_of(owner, conversation)


def test_bulk_tokens_authenticate_like_issued_ones(channel: tuple[User, Conversation]) -> None:
    owner, _ = channel
    (bulk_id,) = bulk_users("bulk", 1, owner.agency)
    (token,) = bulk_tokens([bulk_id])
    (issued,) = issue_tokens([owner])
    with transaction.atomic():
        fast = authenticate_token(token, ip="127.0.0.1")
        made = authenticate_token(issued, ip="127.0.0.1")
    assert fast.user_id == bulk_id and made.user_id == owner.pk
    assert token.startswith("pat_") and len(token) == len(issued)
    assert fast.kind == made.kind == AuthSession.Kind.TOKEN
    for session in (fast, made):
        assert session.access_expires_at - session.created_at == made.access_expires_at - (
            made.created_at
        )
        assert session.refresh_expires_at - session.created_at == made.refresh_expires_at - (
            made.created_at
        )
    assert fast.device.user_id == bulk_id and fast.device.status == made.device.status
    assert fast.access_expires_at > fast.created_at + dt.timedelta(minutes=1)


def test_bulk_writes_take_a_few_statements_per_batch(channel: tuple[User, Conversation]) -> None:
    owner, conversation = channel
    with CaptureQueriesContext(connection) as made:
        ids = bulk_users("bulk", 300, owner.agency)
        bulk_streams(ids)
        bulk_members_add(conversation, ids)
        bulk_tokens(ids[:100])
    statements = [q for q in made.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) < 20
    assert Membership.objects.filter(conversation=conversation).count() == 301
    assert EventStream.objects.filter(user_id__in=ids).count() == 300
    assert AuthSession.objects.filter(user_id__in=ids[:100]).count() == 100
    assert len({str(uuid.UUID(str(i))) for i in ids}) == 300
