"""Fixtures of the gateway tests: live daphne servers."""

from tests.helpers.live import daphne_server, daphne_server_b, live_env

__all__ = ["daphne_server", "daphne_server_b", "live_env"]
