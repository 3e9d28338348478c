"""Publishing to per-user streams, where a client may resume, and pruning the log."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from portal import clock
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext
from portal.db import TransactionRequired
from portal.realtime import events, publish, selectors, services, tasks
from portal.realtime.exceptions import InvalidEventId
from portal.realtime.models import Event, EventStream, SharedPayload
from tests.factories.accounts import UserFactory
from tests.helpers import outside_a_request
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _publish(user_ids, text="") -> list[Event]:
    """Publish as a service does: inside its transaction."""
    event, recipients = events.test_event(user_ids=user_ids, text=text)
    with transaction.atomic():
        return publish(event, user_ids=recipients)


def test_publish_outside_a_transaction_is_refused(user):
    """The precondition is checked, not only written: a publish outside its service's
    transaction would commit events apart from the change they describe."""
    event, recipients = events.test_event(user_ids=[user.pk], text="x")
    with pytest.raises(TransactionRequired):
        publish(event, user_ids=recipients)
    assert not Event.objects.exists()


def test_publish_appends_one_row_per_recipient_and_moves_each_head(user, other_user):
    rows = _publish([user.pk, other_user.pk, user.pk], "a")
    assert sorted(str(r.user_id) for r in rows) == sorted([str(user.pk), str(other_user.pk)])
    for row in rows:
        assert row.payload == {"type": "test", "op": "ping", "text": "a"}
        assert selectors.stream_head(row.user_id) == row.id
    later = _publish([user.pk], "b")[0]
    assert later.id > max(r.id for r in rows)
    assert selectors.stream_head(user.pk) == later.id
    assert _publish([], "nobody") == []


def test_publish_wakes_sockets_only_after_commit(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    rung: list[tuple[list[services.Doorbell], dict[str, str]]] = []
    monkeypatch.setattr(services, "ring", lambda doorbells, **kw: rung.append((doorbells, kw)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (row,) = _publish([user.pk], "a")
    assert rung == []
    for callback in callbacks:
        callback()
    text = '{"type":"test","op":"ping","text":"a"}'
    assert rung == [
        ([services.Doorbell(user_id=str(user.pk), id=row.id, after=0)],
         {"event_type": "test", "text": text})
    ]  # fmt: skip


def test_each_doorbell_names_the_event_before_it_in_the_same_stream(
    user, other_user, monkeypatch, django_capture_on_commit_callbacks
):
    rung: list[services.Doorbell] = []
    monkeypatch.setattr(services, "ring", lambda doorbells, **kw: rung.extend(doorbells))
    with django_capture_on_commit_callbacks(execute=True):
        first = {str(r.user_id): r.id for r in _publish([user.pk, other_user.pk])}
    with django_capture_on_commit_callbacks(execute=True):
        (only,) = _publish([other_user.pk])
    with django_capture_on_commit_callbacks(execute=True):
        last = {str(r.user_id): r.id for r in _publish([user.pk, other_user.pk])}
    u, o = str(user.pk), str(other_user.pk)
    assert sorted(rung, key=lambda b: b.id) == sorted(
        [
            services.Doorbell(user_id=u, id=first[u], after=0),
            services.Doorbell(user_id=o, id=first[o], after=0),
            services.Doorbell(user_id=o, id=only.id, after=first[o]),
            services.Doorbell(user_id=u, id=last[u], after=first[u]),
            services.Doorbell(user_id=o, id=last[o], after=only.id),
        ],
        key=lambda b: b.id,
    )


def test_publish_rolled_back_with_the_change_leaves_nothing(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        _publish([user.pk])
        raise RuntimeError
    assert not Event.objects.filter(user=user).exists()


def test_test_event_send_reaches_exactly_its_user_and_is_audited(user, other_user):
    with capture_events() as captured:
        row = services.test_event_send(
            actor=None, user=user, text="проверка", context=RequestContext.system()
        )
    assert captured.events == [({"type": "test", "op": "ping", "text": "проверка"}, {str(user.pk)})]
    assert AuditEvent.objects.get(action="realtime.test_event_sent").details == {"event": row.id}


@outside_a_request
def test_send_test_event_command(user, capsys):
    call_command("send_test_event", user.login.upper(), "--text", "hello")
    row = Event.objects.get(user=user)
    assert row.body()["text"] == "hello"
    assert f"Published event {row.id}" in capsys.readouterr().out


class TestResumePoint:
    def test_without_an_id_the_socket_starts_at_the_head(self, user):
        assert selectors.stream_resume_point(user_id=user.pk, last_event_id=None) == (
            selectors.ResumePoint(head=0, after=0, resync=False)
        )
        rows = [_publish([user.pk])[0] for _ in range(2)]
        point = selectors.stream_resume_point(user_id=user.pk, last_event_id=None)
        assert point == selectors.ResumePoint(head=rows[1].id, after=rows[1].id, resync=False)

    def test_own_event_ids_and_zero_are_valid(self, user):
        rows = [_publish([user.pk])[0] for _ in range(3)]
        for last in (0, rows[0].id, rows[2].id):
            point = selectors.stream_resume_point(user_id=user.pk, last_event_id=last)
            assert point == selectors.ResumePoint(head=rows[2].id, after=last, resync=False)

    def test_ids_from_the_future_or_of_other_users_are_refused(self, user, other_user):
        mine = _publish([user.pk])[0]
        theirs = _publish([other_user.pk])[0]
        _publish([user.pk])
        for bad in (theirs.id, selectors.stream_head(user.pk) + 1, -1):
            with pytest.raises(InvalidEventId):
                selectors.stream_resume_point(user_id=user.pk, last_event_id=bad)
        # a user with no stream at all has no events to resume from
        stranger = UserFactory.create()
        with pytest.raises(InvalidEventId):
            selectors.stream_resume_point(user_id=stranger.pk, last_event_id=mine.id)

    def test_below_pruned_through_asks_for_a_resync(self, user):
        now = timezone.now()
        with clock.frozen(now - dt.timedelta(days=30)):
            old = [_publish([user.pk])[0] for _ in range(2)]
        fresh = _publish([user.pk])[0]
        services.event_log_prune(now=now)
        head = fresh.id
        for last in (0, old[0].id):
            point = selectors.stream_resume_point(user_id=user.pk, last_event_id=last)
            assert point == selectors.ResumePoint(head=head, after=head, resync=True)
        # the last pruned id is where the kept events start: nothing is missing
        point = selectors.stream_resume_point(user_id=user.pk, last_event_id=old[1].id)
        assert point == selectors.ResumePoint(head=head, after=old[1].id, resync=False)


def test_events_after_reads_in_id_order_with_pruned_through(user, other_user):
    rows = [_publish([user.pk, other_user.pk], str(n)) for n in range(3)]
    mine = [next(r for r in batch if r.user_id == user.pk) for batch in rows]
    batch = selectors.events_after(user_id=user.pk, after=mine[0].id, limit=10)
    assert [event_id for event_id, _, _ in batch.events] == [mine[1].id, mine[2].id]
    assert [payload["text"] for _, payload, _ in batch.events] == ["1", "2"]
    assert batch.pruned_through == 0
    assert len(selectors.events_after(user_id=user.pk, after=0, limit=2).events) == 2
    empty = selectors.events_after(user_id=user.pk, after=mine[2].id, limit=10)
    assert empty.events == [] and empty.pruned_through is None


def test_a_large_event_to_many_users_is_stored_once(user, other_user):
    """Rows of a large event published to several users point at one shared payload
    (1,000 members added at once would otherwise write their list 1,000 times); readers,
    resume included, get the same payload as from an event stored in its own row."""
    long_text = "я" * services.SHARED_PAYLOAD_MIN_CHARS
    with capture_events() as captured:
        shared = _publish([user.pk, other_user.pk], long_text)
        alone = _publish([user.pk], long_text)[0]  # one recipient: its own row
        small = _publish([user.pk, other_user.pk], "коротко")
    assert SharedPayload.objects.count() == 1
    rows = Event.objects.filter(pk__in=[e.id for e in shared])
    assert {(r.payload, r.shared_id) for r in rows} == {(None, SharedPayload.objects.get().pk)}
    assert Event.objects.get(pk=alone.id).shared_id is None
    assert all(r.shared_id is None for r in Event.objects.filter(pk__in=[e.id for e in small]))
    batch = selectors.events_after(user_id=user.pk, after=0, limit=10)
    assert [payload["text"] for _, payload, _ in batch.events] == [long_text, long_text, "коротко"]
    # capture_events reads the log as sockets would (equal payloads grouped)
    both = {str(user.pk), str(other_user.pk)}
    assert [(p["text"], to) for p, to in captured.events] == [(long_text, both), ("коротко", both)]


@outside_a_request
def test_prune_deletes_a_shared_payload_with_its_last_event(user, other_user, settings):
    settings.EVENT_LOG_RETENTION_SECONDS = 3600
    now = timezone.now()
    long_text = "x" * services.SHARED_PAYLOAD_MIN_CHARS
    with clock.frozen(now - dt.timedelta(hours=2)):
        _publish([user.pk, other_user.pk], long_text)
    with clock.frozen(now - dt.timedelta(minutes=30)):
        _publish([user.pk, other_user.pk], long_text)
    with clock.frozen(now):
        assert tasks.prune_event_log() == 2
    kept = SharedPayload.objects.get()
    assert set(Event.objects.values_list("shared_id", flat=True)) == {kept.pk}


def test_the_portable_append_shares_a_large_payload_too(user, other_user):
    event = {"type": "test", "op": "ping", "text": "x" * services.SHARED_PAYLOAD_MIN_CHARS}
    recipients = sorted([str(user.pk), str(other_user.pk)])
    services._append_portable(recipients, event, clock.now())
    shared = SharedPayload.objects.get()
    assert shared.payload == event
    assert [e.body() for e in Event.objects.filter(shared=shared)] == [event, event]


@outside_a_request
def test_prune_removes_expired_prefixes_and_records_pruned_through(user, other_user, settings):
    settings.EVENT_LOG_RETENTION_SECONDS = 3600
    now = timezone.now()
    with clock.frozen(now - dt.timedelta(hours=2)):
        old_both = _publish([user.pk, other_user.pk])
        old_mine = _publish([user.pk])[0]
    with clock.frozen(now - dt.timedelta(minutes=30)):
        kept = _publish([user.pk])[0]
    with clock.frozen(now):
        assert tasks.prune_event_log() == 3
    assert list(Event.objects.filter(user=user).values_list("id", flat=True)) == [kept.id]
    assert not Event.objects.filter(user=other_user).exists()
    streams = {str(s.user_id): s for s in EventStream.objects.all()}
    assert streams[str(user.pk)].pruned_through == old_mine.id
    theirs = next(r for r in old_both if r.user_id == other_user.pk)
    assert streams[str(other_user.pk)].pruned_through == theirs.id
    assert streams[str(user.pk)].last_event_id == kept.id
    # nothing more to prune: pruned_through stays
    with clock.frozen(now):
        assert tasks.prune_event_log() == 0
    assert EventStream.objects.get(user=user).pruned_through == old_mine.id


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_keep_every_stream_one_unbroken_chain(monkeypatch):
    """Ids are taken under each stream's lock: however publishes to overlapping users
    interleave, each user's doorbells chain from 0 to the head without a gap or a fork."""
    users = [str(UserFactory.create().pk) for _ in range(4)]
    rung: list[services.Doorbell] = []
    guard = threading.Lock()

    def record(doorbells: list[services.Doorbell], **kwargs: object) -> None:
        with guard:
            rung.extend(doorbells)

    monkeypatch.setattr(services, "ring", record)

    def worker(seed: int) -> None:
        chooser = random.Random(seed)
        try:
            for _ in range(15):
                with transaction.atomic():
                    _publish(chooser.sample(users, 3))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(rung) == 4 * 15 * 3
    for user_id in users:
        chain = sorted((b for b in rung if b.user_id == user_id), key=lambda b: b.id)
        assert [b.after for b in chain] == [0] + [b.id for b in chain[:-1]]
        assert selectors.stream_head(user_id) == chain[-1].id


def test_the_portable_append_for_sqlite_keeps_the_same_chain(user, other_user):
    """Embedded mode (SQLite) appends through the ORM; the same rows and doorbells result."""
    now = clock.now()
    event = {"type": "test", "op": "ping", "text": "x"}
    recipients = sorted([str(user.pk), str(other_user.pk)])
    first = services._append_portable(recipients, event, now)
    second = services._append_portable(recipients[:1], event, now)
    assert [b.after for b in first] == [0, 0]
    assert second == [services.Doorbell(user_id=recipients[0], id=second[0].id, after=first[0].id)]
    assert selectors.stream_head(recipients[0]) == second[0].id
    assert selectors.stream_head(recipients[1]) == first[1].id
    assert Event.objects.get(pk=second[0].id).payload == event
