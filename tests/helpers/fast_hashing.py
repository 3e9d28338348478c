"""A pytest plugin: the suite hashes passwords with Argon2 at its lowest cost.

Production Argon2 takes ~0.2 s per hash or check by design; hundreds of users signing in
across the suite would spend minutes on it. The algorithm, the hash format and every code
path stay the same; only the cost parameters are lower.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    cheap = ["tests.helpers.fast_hashing.CheapArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=cheap):
        yield
