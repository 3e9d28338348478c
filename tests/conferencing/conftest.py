"""Fixtures of the conferencing tests. Calls: Alice calls from one device, Bob has two (a
phone and a laptop), Carol is in no call; each device signed in for real. Conferences: the
meeting scene, and live daphne servers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conferencing.scene_conferences import meeting
from tests.factories.accounts import UserFactory
from tests.helpers.api import sign_in
from tests.helpers.live import daphne_server, live_env

__all__ = ["daphne_server", "live_env", "meeting"]


def call_scene() -> SimpleNamespace:
    """The users, their devices' API clients, sign-in sessions and tokens."""
    alice, bob, carol = (UserFactory.create(login=n) for n in ("alice", "bob", "carol"))
    devices = {
        "alice": sign_in(alice), "bob_phone": sign_in(bob), "bob_laptop": sign_in(bob),
        "carol": sign_in(carol),
    }  # fmt: skip
    return SimpleNamespace(
        alice=alice, bob=bob, carol=carol,
        c={name: client for name, (client, _) in devices.items()},
        session={name: issued.session for name, (_, issued) in devices.items()},
        token={name: issued.access_token for name, (_, issued) in devices.items()},
    )  # fmt: skip


@pytest.fixture
def scene(db):
    return call_scene()
