"""Joins that race for the last place of a mesh: the conference row is locked, so exactly
one gets in and the other is told the room is full."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from conferencing import services
from conferencing.exceptions_conferences import ConferenceFull
from conferencing.models import Participant
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
