"""Suite-wide fixtures: a clean cache per test, an S3 server for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

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
