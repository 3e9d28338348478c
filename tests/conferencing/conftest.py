"""Fixtures of the conferencing tests: the meeting scene, and live daphne servers."""

from tests.conferencing.scene_conferences import meeting
from tests.helpers.live import daphne_server, live_env

__all__ = ["daphne_server", "live_env", "meeting"]
