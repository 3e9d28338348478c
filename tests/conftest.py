"""Suite-wide fixtures: a clean cache per test, an S3 server for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.factories.accounts import AgencyFactory, DepartmentFactory, UserFactory


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
