"""Fixtures of the documents tests: the live servers (tests/helpers/live.py)."""

from tests.helpers.live import daphne_server, daphne_server_b, live_env

__all__ = ["daphne_server", "daphne_server_b", "live_env"]
