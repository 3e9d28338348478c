"""Objects written to storage whose database commit then failed (docs/documents.md,
"Orphan objects").

A version's bytes go to storage before its row is inserted, inside the writer's
transaction. If that transaction rolls back afterwards — the caller failed after
``version_add`` returned, the database refused the commit, the process died — the object
stays in storage with nothing pointing at it. So before writing, the writer:

1. takes a transaction-level advisory lock on the key (held until its transaction ends,
   committed or rolled back);
2. records the key as a ``PendingObject`` on a connection of its own, committed at once;
3. deletes the record once its own transaction commits (``on_commit``).

The sweep (``documents.tasks.sweep_orphans``, hourly) looks at records older than
DOCUMENT_ORPHAN_GRACE: a key whose lock it cannot take belongs to a transaction still
running and is left alone; a key a version holds was committed (its record's deletion was
lost) and only the record goes; any other key is an orphan — every stored version of the
object is deleted, then the record. SQLite (embedded mode, one process) keeps no records:
a second connection would wait for the writer's lock on the whole database.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.utils import load_backend

from documents.models import PendingObject, Version
from portal import clock
from portal.db import advisory_lock, require_transaction
from portal.storage import get_storage
from portal.storage.exceptions import ObjectNotFound

logger = logging.getLogger(__name__)

# The first key of the advisory locks on keys being written (the second is the key's hash).
_LOCK_SPACE = 0x0D0C


def _recorded() -> bool:
    return connection.vendor == "postgresql"


def _side_connection() -> Any:
    """A connection of its own to the default database, outside the pool: taking a second
    pooled connection while holding one could wait forever with the pool full of writers
    doing the same. Opened for one INSERT, then closed."""
    settings_dict = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["OPTIONS"] = {
        k: v for k, v in settings_dict.get("OPTIONS", {}).items() if k != "pool"
    }
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)


def object_writing(key: str) -> None:
    """Say that the object ``key`` is about to be written for a version in the current
    transaction: locked for the transaction, recorded for the sweep (committed on a
    connection of its own), the record dropped when the transaction commits. Call it
    before the bytes go to storage. Precondition: inside ``transaction.atomic()``."""
    require_transaction("object_writing")
    if not _recorded():
        return
    advisory_lock(_LOCK_SPACE, key)  # a hash collision only delays the sweep
    side = _side_connection()
    try:
        with side.cursor() as cursor:
            table = side.ops.quote_name(PendingObject._meta.db_table)
            cursor.execute(
                f"INSERT INTO {table} (key, created_at) VALUES (%s, %s) "  # noqa: S608 (a model's own table name)
                "ON CONFLICT (key) DO NOTHING",
                [key, clock.now()],
            )
    finally:
        side.close()
    transaction.on_commit(lambda: PendingObject.objects.filter(key=key).delete())


def orphans_sweep(*, limit: int = 500) -> int:
    """Delete the objects recorded as being written more than DOCUMENT_ORPHAN_GRACE ago
    whose transaction has ended without a version holding them (see the module
    docstring); at most ``limit`` records a round. Returns how many objects were
    deleted. A storage failure leaves the record for the next round."""
    cutoff = clock.now() - dt.timedelta(seconds=settings.DOCUMENT_ORPHAN_GRACE)
    keys = list(
        PendingObject.objects.filter(created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("key", flat=True)[:limit]
    )
    deleted = 0
    storage = get_storage()
    for key in keys:
        with transaction.atomic():
            if not advisory_lock(_LOCK_SPACE, key, wait=False):
                continue  # its writer's transaction is still running
            if not Version.objects.filter(key=key).exists():
                try:
                    storage.delete(key)
                except ObjectNotFound:
                    pass
                except Exception:
                    logger.exception("could not delete the orphan object %s", key)
                    continue
                logger.info("deleted the orphan object %s", key)
                deleted += 1
            PendingObject.objects.filter(key=key).delete()
    return deleted
