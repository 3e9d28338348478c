"""Transaction preconditions, checked where they are stated.

Some services only make sense inside their caller's transaction: they lock rows that the
caller goes on to change (``select_for_update`` outside a transaction is an error on
PostgreSQL, and silently nothing on SQLite), or their writes must commit or roll back
with the caller's. ``require_transaction`` turns that precondition from a docstring into
a check that fails on every database, in every test.
"""

from __future__ import annotations

from django.db import connection, transaction


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


def advisory_lock(space: int, key: int | str, *, wait: bool = True) -> bool:
    """Take PostgreSQL's transaction-level advisory lock ``(space, key)`` (a string key by
    its ``hashtext``), held until the caller's transaction ends; with ``wait=False`` only
    if it is free. Whether it is held now. On other databases (SQLite, which runs one
    writing transaction at a time) there is nothing to take: True."""
    require_transaction("advisory_lock")
    if connection.vendor != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    argument = "hashtext(%s)" if isinstance(key, str) else "%s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, {argument})", [space, key])
        row = cursor.fetchone()
    return wait or bool(row and row[0])
