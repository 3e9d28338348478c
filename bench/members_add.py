"""Adding many members to a conversation in one call: queries, event rows, time.

    .venv/bin/python -m bench.members_add --group 10 --add 200 --add 1000

In-process, on the benchmark database (bench.servers ``prepare`` first; no server needed):
for each ``--add`` N, a new group of ``--group`` members (made by ``conversation_create``)
gets N more users (made in bulk once, bench/fixture.py ``bulk_users``) in one
``conversation_members_add`` call, as ``POST /api/v1/conversations/{id}/members`` makes it.
Measured around that call: the SQL statements it runs (Django's CaptureQueriesContext;
savepoints counted apart), the rows it adds to every ``realtime_%`` table and to the
messages, the messages it publishes on the channel layer (counted in this process), and
the wall time, commit and the doorbells after it
included. A call still running after ``--max-seconds`` is cancelled (its statement is
cancelled in PostgreSQL, so the service's transaction rolls back and nothing is left
half-added) and reported with the statements it had run by then.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import Counter
from typing import Any

from bench.common import machine, save
from bench.servers import setup_django


def table_counts() -> dict[str, int]:
    """Exact row counts of every ``realtime_%`` table (the event log and any per-topic
    one) and of the messages."""
    from django.db import connection

    tables = [
        t
        for t in connection.introspection.table_names()
        if t.startswith("realtime_") or t == "messaging_message"
    ]
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - from the catalogue
            counts[table] = int(cursor.fetchone()[0])
    return counts


def statement_kinds(sqls: list[str], top: int = 8) -> list[tuple[str, int]]:
    """The most frequent statements, their literals and parameter lists blanked out, so a
    query repeated per member shows as one line with its count."""
    shapes: Counter[str] = Counter()
    for sql in sqls:
        shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
        shape = re.sub(r"\((?:\s*\?\s*,?)+\)|IN \([^)]*\)", "(…)", shape)
        shapes[shape[:140]] += 1
    return shapes.most_common(top)


class OwnPublishes:
    """Counts the channel-layer messages this process sends through
    ``PubSubChannelLayer.group_send_many`` (every doorbell goes through it): exact, unlike
    Redis' own counters, which count every client of the shared server."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> OwnPublishes:
        from portal.realtime.layers import PubSubChannelLayer

        self.original = PubSubChannelLayer.group_send_many
        original = self.original

        async def counted(layer: Any, messages: list[tuple[str, dict[str, Any]]]) -> None:
            self.count += len(messages)
            await original(layer, messages)

        PubSubChannelLayer.group_send_many = counted  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        from portal.realtime.layers import PubSubChannelLayer

        PubSubChannelLayer.group_send_many = self.original  # type: ignore[method-assign]


class Watchdog:
    """Cancel the statement this process's database connection is running once ``seconds``
    have passed (from another connection: the service's own is busy)."""

    def __init__(self, seconds: float) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.backend = connection.connection.info.backend_pid
        self.seconds = seconds
        self.done = threading.Event()
        self.fired = False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Watchdog:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def _watch(self) -> None:
        import psycopg

        from bench.servers import DATABASE, PG

        while not self.done.wait(self.seconds):
            self.fired = True
            with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
                conn.execute("SELECT pg_cancel_backend(%s)", [self.backend])
            # Cancelled again should a later statement of the rollback path still run.


def measure_add(
    owner: Any, group: list[Any], added: list[Any], label: str, max_seconds: float
) -> dict[str, Any]:
    """Make a group of ``owner`` + ``group`` and add ``added`` to it in one call."""
    from django.db import connection
    from django.db.utils import OperationalError
    from django.test.utils import CaptureQueriesContext

    from messaging.models import Conversation
    from messaging.services import conversation_create, conversation_members_add

    conversation = conversation_create(
        actor=owner, kind=Conversation.Kind.GROUP, title=label,
        member_ids=[u.pk for u in group],
    )  # fmt: skip
    before = table_counts()
    stopped = ""
    count = 0
    with (
        CaptureQueriesContext(connection) as captured,
        Watchdog(max_seconds) as watchdog,
        OwnPublishes() as publishes,
    ):
        started = time.perf_counter()
        try:
            count = conversation_members_add(
                actor=owner, conversation_id=conversation.pk, user_ids=[u.pk for u in added]
            )
        except OperationalError as error:
            if not watchdog.fired:
                raise
            stopped = f"cancelled after {max_seconds:.0f} s: {str(error).strip()[:80]}"
        seconds = time.perf_counter() - started
    after = table_counts()
    sqls = [q["sql"] for q in captured.captured_queries]
    statements = [s for s in sqls if "SAVEPOINT" not in s]
    return {
        "group": len(group) + 1,
        "asked": len(added),
        "added": count,
        "stopped": stopped,
        "queries": len(statements),
        "savepoints": len(sqls) - len(statements),
        "rows": {t: after.get(t, 0) - before.get(t, 0) for t in sorted(set(before) | set(after))},
        "redis_publish": publishes.count,
        "seconds": round(seconds, 3),
        "most_frequent": statement_kinds(statements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", type=int, default=10, help="members before the call")
    parser.add_argument("--add", type=int, action="append", help="users to add (repeat)")
    parser.add_argument(
        "--max-seconds", type=float, default=600, help="cancel a call running longer"
    )
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    sizes = args.add or [200, 1000]
    if not 1 <= args.group <= 1000 or not all(1 <= n <= 10_000 for n in sizes):
        parser.error("1 <= --group <= 1,000 and 1 <= --add <= 10,000")
    setup_django()
    from bench.fixture import benchmark_agency, bulk_streams, bulk_users, ensure_users
    from portal.accounts.models import User

    (owner,) = ensure_users("maowner", 1)
    ids = bulk_users("ma", args.group - 1 + max(sizes), benchmark_agency())
    bulk_streams([owner.pk, *ids])
    by_id = User.objects.in_bulk(ids)
    people = [by_id[i] for i in ids]
    group, others = people[: args.group - 1], people[args.group - 1 :]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    runs = []
    for n in sizes:
        title = f"Добавление {n} участников {stamp}"
        run = measure_add(owner, group, others[:n], title, args.max_seconds)
        runs.append(run)
        print(f"group of {run['group']} + {run['asked']}: {run['stopped'] or 'done'}, "
              f"{run['queries']} queries, {run['savepoints']} savepoints, "
              f"{run['rows'].get('realtime_event', 0)} event rows, "
              f"{run['redis_publish']} published, {run['seconds']} s", flush=True)  # fmt: skip
    result = {"config": {"group": args.group, "add": sizes}, "machine": machine(), "runs": runs,
              "label": args.label}  # fmt: skip
    path = save("members_add", result)
    print(json.dumps(runs, indent=1, ensure_ascii=False))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
