"""Concurrent final approvals on PostgreSQL, each in its own connection and transaction,
released at the same moment: every registered document gets its own number, the numbers
are consecutive (no gap, no duplicate), and a document is registered once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from documents.models import Document, RegistrationJournal
from documents.services.approval import approval_route_start, approval_step_decide
from portal import clock
from portal.errors import PortalError
from tests.documents.approval_fixtures import make_document
from tests.factories.accounts import AgencyFactory, UserFactory

THREADS = 4


def _race(calls: list[Any]) -> list[Any]:
    """Run each call in its own thread (own connection), all released together."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except PortalError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a decision did not finish in time"
    return results


def _started(owner, approvers, *, mode="all"):
    document = make_document(owner, name="Приказ")
    approval_route_start(
        actor=owner, document_id=document.pk, on_new_version="restart",
        stages=[{"approver_ids": [a.pk for a in approvers], "mode": mode,
                 "duration_hours": 24}],
    )  # fmt: skip
    return document


@pytest.mark.django_db(transaction=True)
def test_concurrent_final_approvals_take_consecutive_numbers():
    agency = AgencyFactory.create(short_name="01-15")
    owner = UserFactory.create(login="owner", agency=agency)
    approvers = [UserFactory.create(login=f"a{i}", agency=agency) for i in range(THREADS)]
    documents = [_started(owner, [a]) for a in approvers]
    assert not RegistrationJournal.objects.exists()  # created by the first registration

    results = _race(
        [
            lambda a=a, d=d: approval_step_decide(actor=a, document_id=d.pk, decision="approve")
            for a, d in zip(approvers, documents, strict=True)
        ]
    )
    assert all(not isinstance(r, Exception) for r in results), results
    year = clock.now().year
    numbers = sorted(
        Document.objects.filter(pk__in=[d.pk for d in documents]).values_list(
            "registration_number", flat=True
        )
    )
    assert numbers == [f"01-15/{year}-{n:06d}" for n in range(1, THREADS + 1)]
    assert RegistrationJournal.objects.get(agency=agency).next_number == THREADS + 1


@pytest.mark.django_db(transaction=True)
def test_two_approvers_of_an_any_stage_at_once_register_it_once():
    agency = AgencyFactory.create(short_name="01-15")
    owner = UserFactory.create(login="owner", agency=agency)
    anna, boris = (UserFactory.create(login=x, agency=agency) for x in ("anna", "boris"))
    document = _started(owner, [anna, boris], mode="any")

    results = _race(
        [
            lambda u=u: approval_step_decide(actor=u, document_id=document.pk, decision="approve")
            for u in (anna, boris)
        ]
    )
    refused = [r for r in results if isinstance(r, PortalError)]
    assert len(refused) == 1 and refused[0].code == "approval_route_not_running"
    document.refresh_from_db()
    assert document.registration_number == f"01-15/{clock.now().year}-000001"
    assert RegistrationJournal.objects.get(agency=agency).next_number == 2


@pytest.mark.django_db(transaction=True)
def test_the_journal_row_lock_alone_keeps_numbers_unique():
    # Decisions also pass the audit chain's lock; here only the journal's lock is taken.
    from django.db import transaction

    from documents.services.approval import registration_number_take

    agency = AgencyFactory.create(short_name="01-15")
    RegistrationJournal.objects.create(agency=agency, prefix="01-15")

    def take() -> str:
        with transaction.atomic():
            return registration_number_take(agency.pk)

    results = _race([take for _ in range(8)])
    year = clock.now().year
    assert sorted(results) == [f"01-15/{year}-{n:06d}" for n in range(1, 9)]
