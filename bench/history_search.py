"""History pages and search over a seeded corpus, through HTTP and in-process.

    .venv/bin/python -m bench.servers manage seed_messages --messages 1000000 \\
        --conversations 200 --users 1000
    .venv/bin/python -m bench.servers start
    .venv/bin/python -m bench.history_search --history 500 --search-rounds 2 --gin

History: ``--history`` requests of ``GET /api/v1/conversations/{id}/messages?limit=50``, each
for a random seeded user in a random conversation of theirs, with a random ``before_seq``
(one in ten without, the newest page), one at a time. Search: each query of QUERIES
(``GET /api/v1/search/messages?q=``) for the reader of every conversation
(``seed.u00000``, who can read the whole corpus) and for ``--users`` ordinary seeded users,
``--search-rounds`` times. Both are also timed in-process (the selector or search function
and the payload, without HTTP, authentication and daphne), to tell the server's overhead
from the query's. With ``--gin`` the search set runs twice in the same run: without the
GIN index of ``Message.Meta`` (dropped in the benchmark database), then with it (created
again). With ``--stored`` a third variant adds a stored generated tsvector column with its
own GIN index and times the same search on it in-process. The database is left with the
indexes it had, and without the column.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from bench.common import HttpPool, machine, save, summary_ms, wait_until_quiet
from bench.servers import load_servers, setup_django

# Realistic queries of officials: common and rare words in other forms than in the text,
# English, a phrase, an exclusion, and a word that is in no message.
QUERIES = [
    "бюджет", "договора", "совещания", "приказ", "отчёт", "закупки", "командировка",
    "регламента", "инвентаризация", "аудит", "субсидия", "видеоконференция",
    "report", "meetings", "deadline", '"проект бюджета"', "договор -подписан",
    "бюджет закупки", "криптовалюта",
]  # fmt: skip


def _search_index() -> Any:
    """The GIN index of ``Message.Meta`` that messaging.search uses (message_search_gin)."""
    from django.contrib.postgres.indexes import GinIndex

    from messaging.models import Message

    return next(index for index in Message._meta.indexes if isinstance(index, GinIndex))


def index_exists() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [_search_index().name])
        return cursor.fetchone() is not None


def set_index(present: bool) -> dict[str, Any]:
    """Drop or (re)create the search index in the benchmark database, as a migration would,
    so that one run measures search with and without it."""
    from django.db import connection

    from messaging.models import Message

    index = _search_index()
    exists = index_exists()
    info: dict[str, Any] = {"index": present}
    if present and not exists:
        start = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
        with connection.schema_editor() as editor:
            editor.add_index(Message, index)
            info["create_sql"] = str(index.create_sql(Message, editor))
        info["create_seconds"] = round(time.monotonic() - start, 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE messaging_message")
    elif not present and exists:
        with connection.schema_editor() as editor:
            editor.remove_index(Message, index)
    if present:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_relation_size(%s))", [index.name])
            info["size"] = cursor.fetchone()[0]
    return info


def prepare(users: int, seed: int) -> dict[str, Any]:
    """Pick the reader and ``users`` ordinary seeded users, give each a token, and list
    their conversations with their newest seq."""
    from bench.fixture import issue_tokens
    from messaging.models import Membership, Message
    from portal.accounts.models import User

    rng = random.Random(seed)
    seeded = list(User.objects.filter(login__startswith="seed.u").order_by("login"))
    if len(seeded) < 2 or not Message.objects.filter(client_id__startswith="seed:").exists():
        raise SystemExit("no seeded corpus: run manage.py seed_messages first")
    chosen = [seeded[0], *rng.sample(seeded[1:], min(users, len(seeded) - 1))]
    tokens = issue_tokens(chosen)
    people = []
    for user, token in zip(chosen, tokens, strict=True):
        memberships = Membership.objects.filter(user=user, left_at__isnull=True)
        conversations = [
            {"id": str(cid), "last_seq": last}
            for cid, last in memberships.values_list("conversation_id", "conversation__last_seq")
        ]
        people.append({"user": user, "token": token, "conversations": conversations})
    total = Message.objects.count()
    return {"reader": people[0], "users": people[1:], "corpus": total}


def history_plan(people: list[dict[str, Any]], count: int, seed: int) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    plan = []
    for _ in range(count):
        person = rng.choice(people)
        conversation = rng.choice(person["conversations"])
        before = None if rng.random() < 0.1 else rng.randint(2, conversation["last_seq"] + 1)
        plan.append((person, conversation, before))
    return plan


async def http_history(url: str, plan: list[tuple[Any, ...]]) -> dict[str, Any]:
    pool = HttpPool(url, size=1)
    times, errors, sizes = [], 0, []
    for person, conversation, before in plan:
        query = urlencode({"limit": 50, **({"before_seq": before} if before else {})})
        start = time.perf_counter()
        status, body = await pool.request(
            "GET", f"/api/v1/conversations/{conversation['id']}/messages?{query}",
            token=person["token"],
        )  # fmt: skip
        times.append(time.perf_counter() - start)
        if status != 200:
            errors += 1
        else:
            sizes.append(len(body["results"]))
    pool.close()
    return {"ms": summary_ms(times), "errors": errors, "mean_results": statistics.mean(sizes)}


def inprocess_history(plan: list[tuple[Any, ...]]) -> dict[str, Any]:
    from messaging import selectors
    from messaging.events import message_payload

    times = []
    for person, conversation, before in plan:
        start = time.perf_counter()
        found, _ = selectors.access_conversation(person["user"], conversation["id"])
        messages = selectors.history(found, viewer=person["user"], before_seq=before, limit=50)
        [message_payload(m) for m in messages]
        times.append(time.perf_counter() - start)
    return {"ms": summary_ms(times)}


def _search_plan(people: list[dict[str, Any]], rounds: int) -> list[tuple[str, Any, str]]:
    """Every (kind of person, person, query), round after round; within a round queries
    come in turn, so a run cut short by its time budget still covers all of them."""
    return [
        (kind, person, query)
        for _ in range(rounds)
        for query in QUERIES
        for kind, person in [("reader", people[0])] + [("users", p) for p in people[1:]]
    ]


async def http_search(
    url: str, people: list[dict[str, Any]], rounds: int, budget: float
) -> dict[str, list[tuple[str, float, int]]]:
    """Per person kind: (query, seconds, hits) of every search, until ``budget`` seconds."""
    pool = HttpPool(url, size=1, timeout=120)
    found: dict[str, list[tuple[str, float, int]]] = {"reader": [], "users": []}
    deadline = time.monotonic() + budget
    for kind, person, query in _search_plan(people, rounds):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        status, body = await pool.request(
            "GET", f"/api/v1/search/messages?{urlencode({'q': query})}",
            token=person["token"],
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        hits = len(body["results"]) if status == 200 else -1
        found[kind].append((query, elapsed, hits))
    pool.close()
    return found


def inprocess_search(
    people: list[dict[str, Any]], budget: float
) -> dict[str, list[tuple[str, float, int]]]:
    from messaging.events import conversation_payload, message_payload
    from messaging.search import SearchFilters, search_messages

    found: dict[str, list[tuple[str, float, int]]] = {"reader": [], "users": []}
    deadline = time.monotonic() + budget
    for kind, person, query in _search_plan(people, 1):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        results = search_messages(
            actor=person["user"], query=query, filters=SearchFilters(), limit=50
        )
        for message, _ in results:
            message_payload(message), conversation_payload(message.conversation)
        found[kind].append((query, time.perf_counter() - start, len(results)))
    return found


STORED_COLUMN = "bench_search_vector"


def set_stored_vector(present: bool) -> dict[str, Any]:
    """Add (or drop) a stored generated tsvector column with its own GIN index: what a
    ``GeneratedField`` + ``GinIndex`` on the model would create. Only timed in-process,
    since messaging.search does not read it."""
    from django.db import connection

    with connection.cursor() as cursor:
        if not present:
            cursor.execute(f"ALTER TABLE messaging_message DROP COLUMN IF EXISTS {STORED_COLUMN}")
            return {"stored_vector": False}
        start = time.monotonic()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            f"ALTER TABLE messaging_message ADD COLUMN IF NOT EXISTS {STORED_COLUMN} tsvector "
            "GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, COALESCE(body, '')) || "
            "to_tsvector('english'::regconfig, COALESCE(body, ''))) STORED"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {STORED_COLUMN}_gin ON messaging_message "
            f"USING gin ({STORED_COLUMN})"
        )
        cursor.execute("ANALYZE messaging_message")
        return {"stored_vector": True, "create_seconds": round(time.monotonic() - start, 1)}


def inprocess_search_stored(
    people: list[dict[str, Any]], budget: float
) -> dict[str, list[tuple[str, float, int]]]:
    """messaging.search.search_messages with the stored column in place of the computed
    vector (matching and ranking read it; the snippet is made from the body as before)."""
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVectorField,
    )
    from django.db.models.expressions import RawSQL

    from messaging import search
    from messaging.events import conversation_payload, message_payload

    column = f'"messaging_message"."{STORED_COLUMN}"'
    vector = RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611 - a constant
    found: dict[str, list[tuple[str, float, int]]] = {"reader": [], "users": []}
    deadline = time.monotonic() + budget
    for kind, person, query in _search_plan(people, 1):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        either = SearchQuery(query, config="russian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        headline = SearchHeadline(
            "body", either, config="russian", start_sel=search._START, stop_sel=search._STOP,
            max_words=30, min_words=10, max_fragments=2,
        )  # fmt: skip
        matches = list(
            search._readable(person["user"], search.SearchFilters())
            .select_related("conversation")
            .annotate(vector=vector)
            .filter(vector=either)
            .annotate(rank=SearchRank(vector, either), snippet=headline)
            .order_by("-rank", "-created_at")[:50]
        )
        for message in matches:
            search._snippet(message.snippet)
            message_payload(message), conversation_payload(message.conversation)
        found[kind].append((query, time.perf_counter() - start, len(matches)))
    return found


def _search_summary(found: dict[str, list[tuple[str, float, int]]]) -> dict[str, Any]:
    every = found["reader"] + found["users"]
    per_query: dict[str, list[float]] = {}
    for query, seconds, _ in found["reader"]:
        per_query.setdefault(query, []).append(seconds)
    return {
        "all_ms": summary_ms([s for _, s, _ in every]),
        "reader_ms": summary_ms([s for _, s, _ in found["reader"]]),
        "users_ms": summary_ms([s for _, s, _ in found["users"]]),
        "errors": sum(1 for _, _, hits in every if hits < 0),
        "reader_median_ms_by_query": {
            q: round(statistics.median(v) * 1000, 1) for q, v in per_query.items()
        },
    }


def matches_per_query() -> dict[str, int]:
    """How many messages of the whole corpus each query matches (its selectivity)."""
    from django.contrib.postgres.search import SearchQuery

    from messaging.models import SEARCH_VECTOR, Message

    counts = {}
    for query in QUERIES:
        either = SearchQuery(query, config="russian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        counts[query] = Message.objects.annotate(v=SEARCH_VECTOR).filter(v=either).count()
    return counts


def explain(person: dict[str, Any], query: str) -> str:
    """PostgreSQL's plan, with timings, of one search."""
    from django.db import connection

    from messaging import search

    captured: list[str] = []

    def grab(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "ts_rank" in sql and not captured:
            captured.append(connection.ops.compose_sql(sql, params))  # type: ignore[attr-defined]
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        search.search_messages(
            actor=person["user"], query=query, filters=search.SearchFilters(), limit=50
        )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured[0])
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="server base URL (default: the first bench server)")
    parser.add_argument("--history", type=int, default=500, help="history requests")
    parser.add_argument("--users", type=int, default=10, help="ordinary users searching")
    parser.add_argument("--search-rounds", type=int, default=2)
    parser.add_argument(
        "--search-budget",
        type=float,
        default=120,
        help="seconds of HTTP searches per variant (half that in-process)",
    )
    parser.add_argument("--gin", action="store_true", help="also measure with the GIN index")
    parser.add_argument("--no-search", action="store_true", help="measure history only")
    parser.add_argument(
        "--stored", action="store_true",
        help="also time (in-process) a stored tsvector column with a GIN index",
    )  # fmt: skip
    parser.add_argument("--explain", default="бюджет", help="query to EXPLAIN ANALYZE")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quiet-wait", type=float, default=120)
    args = parser.parse_args()
    servers = load_servers()
    url = args.url or (servers[0]["url"] if servers else None)
    if not url:
        raise SystemExit("no server: start one with bench.servers or pass --url")
    setup_django()
    from django.db import connection

    busy = wait_until_quiet(args.quiet_wait) if args.quiet_wait else None
    setup = prepare(args.users, args.seed)
    people = [setup["reader"], *setup["users"]]
    result: dict[str, Any] = {
        "machine": {**machine(), "busy_cores_before": busy},
        "server": url,
        "db_pool": [s["pool"] for s in servers if s["url"] == url],
        "corpus_messages": setup["corpus"],
        "reader_conversations": len(setup["reader"]["conversations"]),
        "users_conversations_mean": round(
            statistics.mean(len(p["conversations"]) for p in setup["users"]), 1
        ),
    }
    plan = history_plan(setup["users"] + [setup["reader"]], args.history, args.seed)
    # Warm both paths up (connections, caches) before timing.
    asyncio.run(http_history(url, plan[:20]))
    inprocess_history(plan[:20])
    result["history_http"] = asyncio.run(http_history(url, plan))
    result["history_inprocess"] = inprocess_history(plan)
    print(json.dumps({k: result[k] for k in ("history_http", "history_inprocess")}), flush=True)

    indexed_at_start = index_exists()
    variants: list[bool | None] = [False, True] if args.gin else [None]
    if args.no_search:
        variants, args.stored = [], False
    result["search"] = []
    for indexed in variants:
        info = set_index(indexed) if indexed is not None else {"index": "as found"}
        http = asyncio.run(http_search(url, people, args.search_rounds, args.search_budget))
        variant = {
            **info,
            "http": _search_summary(http),
            "inprocess": _search_summary(inprocess_search(people, args.search_budget / 2)),
            "explain_reader": explain(people[0], args.explain),
            "explain_user": explain(people[1], args.explain),
        }
        if indexed:  # counting every query's matches needs the index to be quick
            result["matches_per_query"] = matches_per_query()
        result["search"].append(variant)
        print(json.dumps({k: v for k, v in variant.items() if not k.startswith("explain")},
                         ensure_ascii=False), flush=True)  # fmt: skip
    if args.stored:
        set_index(False)
        variant = {
            **set_stored_vector(True),
            "inprocess": _search_summary(inprocess_search_stored(people, args.search_budget)),
        }
        result["search"].append(variant)
        print(json.dumps(variant, ensure_ascii=False), flush=True)
        set_stored_vector(False)
    set_index(indexed_at_start)
    connection.close()
    path = save("history_search", result)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
