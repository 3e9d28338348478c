"""Fixtures of the API tests: a live daphne server for what only a real server shows."""

from tests.helpers.live import daphne_server, live_env

__all__ = ["daphne_server", "live_env"]
