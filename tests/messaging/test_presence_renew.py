"""The periodic presence heartbeat of many sockets at once (one poll per process)."""

from __future__ import annotations

import uuid

import pytest

from messaging import presence
from messaging.services import presence_renew


@pytest.fixture
def users():
    return [str(uuid.uuid4()) for _ in range(3)]


def test_renewing_live_reports_changes_nothing_and_keeps_them(users):
    for user in users:
        presence.presence_report(user, f"socket-{user}", "away")
    lapsed = presence.presence_renew([(user, f"socket-{user}", "away") for user in users])
    assert lapsed == []
    assert presence.presence_of(users) == {user: "away" for user in users}


def test_reports_that_lapsed_or_changed_state_are_handed_back(users):
    live, gone, changed = users
    presence.presence_report(live, "a", "online")
    presence.presence_report(changed, "c", "away")
    entries = [(live, "a", "online"), (gone, "b", "online"), (changed, "c", "online")]
    assert presence.presence_renew(entries) == [(gone, "b", "online"), (changed, "c", "online")]
    # Only renewed, not reported: the lapsed ones stay as they were.
    assert presence.presence_of(users) == {live: "online", gone: "offline", changed: "away"}


def test_the_service_reports_lapsed_sockets_again(db, users):
    user = users[0]
    presence_renew(connections=[(user, "socket-1", "online")])
    assert presence.presence_of([user]) == {user: "online"}
