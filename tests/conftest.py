"""Suite-wide fixtures: an S3 server for the whole run, a clean cache per test, the
common users and organisation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections
from django.utils import translation

from tests.factories.accounts import AgencyFactory, DepartmentFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def s3_server() -> Iterator[dict[str, str]]:
    """moto's S3 server on loopback for the whole run, with ``settings.STORAGE`` pointing
    at a versioned bucket on it. Yields the ``S3_*`` variables that point a Portal process
    (a live daphne server) at the same bucket."""
    from django.test import override_settings

    from portal.storage import get_storage, reset_storage
    from tests.helpers.s3 import start_s3_server

    server = start_s3_server()
    bucket = "portal-test"
    try:
        with override_settings(STORAGE=server.storage_settings(bucket)):
            reset_storage()
            get_storage().check()  # creates the bucket and turns versioning on
            yield server.environment(bucket)
    finally:
        reset_storage()
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _close_async_test_connections(django_db_setup: Any) -> Iterator[None]:
    """Async tests reach the database through sync_to_async's worker thread, which keeps
    its connection open; PostgreSQL refuses to drop a database that is still in use."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())


@pytest.fixture(scope="session", autouse=True)
def _flush_outlasts_live_servers() -> Iterator[None]:
    """Transactional tests end by truncating every table, while a live daphne may still be
    answering the socket the test just closed (a disconnect reads a few tables). A read
    that holds one table and waits for another can deadlock with the TRUNCATE, and
    PostgreSQL then aborts the TRUNCATE: try it again once the read is done."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: DatabaseOperations, sql_list: list[str]) -> None:
        for attempt in range(5):
            try:
                return original(self, sql_list)
            except OperationalError as error:
                if "deadlock detected" not in str(error) or attempt == 4:
                    raise
                time.sleep(0.2)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign, assignment]
    yield
    DatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language (Russian), whatever an earlier one, or a
    consumer run in-process, activated."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def user(db):
    return UserFactory.create()


@pytest.fixture
def other_user(db):
    return UserFactory.create(last_name="Петрова", first_name="Анна", middle_name="Ивановна")


@pytest.fixture
def agency(db):
    return AgencyFactory.create()


@pytest.fixture
def department(agency):
    return DepartmentFactory.create(agency=agency)
