"""What conferences add to the event socket (portal.realtime.gateway): their events'
schema. No frames: every conference change is a REST call, and the mesh's signalling is
the calls' ``call.signal`` relay (the lead joins the two)."""

from __future__ import annotations

from portal.realtime import gateway


def register() -> None:
    """Called from ``ConferencingConfig.ready``."""
    from conferencing.api import events_conferences

    gateway.register_events(events_conferences.EVENTS)
