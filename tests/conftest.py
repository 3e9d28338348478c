"""Suite-wide fixtures: an S3 server for the whole run, a clean cache per test, the
common users and organisation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connections

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


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield


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
