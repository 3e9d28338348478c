"""Conferences in embedded mode (SQLite, in-memory channel layer, no Redis, no Janus): a
mesh room works end to end, reminders included, and the room is full past the mesh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SCRIPT = """
import datetime as dt

import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)

from conferencing import services
from conferencing.exceptions_conferences import ConferenceFull
from conferencing.models import Participant
from portal import clock
from portal.accounts.services import user_create
from portal.audit.services import RequestContext
from portal.realtime.models import Event

users = [
    user_create(actor=None, login=f"u{n}", password="Correct-Horse-Battery-42",
                context=RequestContext.system())
    for n in range(6)
]
organizer, *others = users
conference = services.conference_create(
    actor=organizer, title="Embedded", invitee_ids=[u.pk for u in others],
    starts_at=clock.now() + dt.timedelta(minutes=5),
)
assert services.conference_reminders_send() == 1
for user in users[:3]:
    joined = services.conference_join(actor=user, conference_id=conference.pk)
    assert joined.state == "joined"
_link, secret = services.guest_link_create(
    actor=organizer, conference_id=conference.pk, expires_in_minutes=10
)
guest, _token = services.guest_join(link=secret, display_name="Guest")
services.participant_admit(actor=organizer, conference_id=conference.pk, participant_id=guest.pk)
try:
    services.conference_join(actor=users[3], conference_id=conference.pk)
except ConferenceFull:
    pass
else:
    raise AssertionError("a fifth joined a mesh with no Janus")
services.conference_end(actor=organizer, conference_id=conference.pk)
assert not Participant.objects.filter(state="joined").exists()
conference_events = Event.objects.filter(type__startswith="conference")
kinds = sorted({(e.type, e.payload["op"]) for e in conference_events})
assert kinds == [
    ("conference", "add"), ("conference", "update"),
    ("conference_participant", "update"), ("conference_reminder", "add"),
], kinds
print("ok")
"""


def test_mesh_conference_in_embedded_mode(tmp_path: Path) -> None:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "JANUS_URL", "JANUS_ADMIN_KEY"}
        and not name.startswith("S3_")
    }
    environment |= {"PORTAL_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    assert (tmp_path / "portal.sqlite3").exists()
