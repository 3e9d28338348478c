"""Shared test helpers (STYLE.md rule 14)."""

import pytest

# Entry points outside DRF — admin pages and actions, signals, management commands, Celery
# tasks — run with no request-wide transaction around them. Their tests are transactional,
# so on PostgreSQL they meet the database exactly as production does: a service that needs
# its caller's transaction, or a row lock taken outside one, fails here too (issue 9).
outside_a_request = pytest.mark.django_db(transaction=True)
