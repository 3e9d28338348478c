"""Transaction preconditions, checked where they are stated.

Some services only make sense inside their caller's transaction: they lock rows that the
caller goes on to change (``select_for_update`` outside a transaction is an error on
PostgreSQL, and silently nothing on SQLite), or their writes must commit or roll back
with the caller's. ``require_transaction`` turns that precondition from a docstring into
a check that fails on every database, in every test.
"""

from __future__ import annotations

from django.db import transaction


class TransactionRequired(RuntimeError):
    """A service that joins its caller's transaction was called outside any: a bug in the
    caller, never the client's fault."""


def in_transaction(using: str | None = None) -> bool:
    """True inside ``transaction.atomic()``. The atomic blocks a Django test case opens
    around each test do not count, so a test that forgets the caller's transaction fails
    exactly as production would."""
    connection = transaction.get_connection(using)
    return any(not block._from_testcase for block in connection.atomic_blocks)


def require_transaction(what: str, using: str | None = None) -> None:
    """Raise TransactionRequired unless called inside ``transaction.atomic()``."""
    if not in_transaction(using):
        raise TransactionRequired(f"{what} must run inside its caller's transaction.atomic()")
