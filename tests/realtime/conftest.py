"""Fixtures of the gateway tests: live daphne servers, and closing the test process's own
database connections before the test database is dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from tests.helpers.live import daphne_server, daphne_server_b, live_env

__all__ = ["daphne_server", "daphne_server_b", "live_env"]


@pytest.fixture(scope="session", autouse=True)
def _close_async_test_connections(django_db_setup: Any) -> Iterator[None]:
    """Async tests reach the database through sync_to_async's worker thread, which keeps
    its connection open; PostgreSQL refuses to drop a database that is still in use."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())
