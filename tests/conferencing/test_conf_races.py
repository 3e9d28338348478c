"""Joins that race for the last place of a mesh: the conference row is locked, so exactly
one gets in and the other is told the room is full."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from conferencing import services
from conferencing.exceptions_conferences import ConferenceFull
from conferencing.models import Participant
from conferencing.selectors_conferences import access_conference
from tests.factories.accounts import UserFactory
from tests.factories.conferencing import conference_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_joins_for_the_last_place_let_exactly_one_in(settings):
    settings.CONFERENCE_MESH_MAX = 2
    organizer, alice, bob = (UserFactory.create() for _ in range(3))
    conference = conference_for(organizer, invitee_ids=[alice.pk, bob.pk])
    services.conference_join(actor=organizer, conference_id=conference.pk)
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []

    def join(user) -> None:
        try:
            barrier.wait()
            services.conference_join(actor=user, conference_id=conference.pk)
            outcomes.append("joined")
        except ConferenceFull:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(u,)) for u in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["full", "joined"]
    assert Participant.objects.filter(conference=conference, state="joined").count() == 2


def test_a_conference_write_leaves_the_organizers_user_row_unlocked():
    """access_conference(for_update=True) locks the conference row only: a call to or from
    the organizer, which locks their user row, does not wait for a join (or for Janus)."""
    organizer = UserFactory.create()
    conference = conference_for(organizer)
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            access_conference(organizer, conference.pk, for_update=True)
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT",
                    [organizer.pk],
                )
                assert cursor.fetchone() == (organizer.pk,)
                with pytest.raises(OperationalError):
                    cursor.execute(
                        "SELECT id FROM conferencing_conference WHERE id = %s FOR UPDATE NOWAIT",
                        [conference.pk],
                    )
    finally:
        other.close()
