"""History pages and search over a seeded corpus, through HTTP and in-process.

    .venv/bin/python -m bench.servers manage seed_messages --messages 1000000 \\
        --conversations 200 --users 1000
    .venv/bin/python -m bench.servers start
    .venv/bin/python -m bench.history_search --history 500 --search-rounds 2

History: ``--history`` requests of ``GET /api/v1/conversations/{id}/messages?limit=50``, each
for a random seeded user in a random conversation of theirs, with a random ``cursor`` (a seq)
(one in ten without, the newest page), one at a time. Search: each query of QUERIES
(``GET /api/v1/search/messages?q=``) for the reader of every conversation
(``seed.u00000``, who can read the whole corpus) and for ``--users`` ordinary seeded users,
``--search-rounds`` times. Both are also timed in-process (the selector or search function
and the payload, without HTTP, authentication and daphne), to tell the server's overhead
from the query's. The search plans of ``--explain`` for the reader and one user are
saved with the result, and how many messages of the corpus each query matches. The
database is only read.
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
        query = urlencode({"limit": 50, **({"cursor": before} if before else {})})
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

    times = []
    for person, conversation, before in plan:
        start = time.perf_counter()
        selectors.history_payloads(person["user"], conversation["id"], before_seq=before, limit=50)
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

    from messaging.models import Message

    counts = {}
    for query in QUERIES:
        either = SearchQuery(query, config="russian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        counts[query] = Message.objects.filter(search_vector=either).count()
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
        help="seconds of HTTP searches (half that in-process)",
    )
    parser.add_argument("--no-search", action="store_true", help="measure history only")
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

    if not args.no_search:
        http = asyncio.run(http_search(url, people, args.search_rounds, args.search_budget))
        result["search"] = {
            "http": _search_summary(http),
            "inprocess": _search_summary(inprocess_search(people, args.search_budget / 2)),
            "explain_reader": explain(people[0], args.explain),
            "explain_user": explain(people[1], args.explain),
        }
        result["matches_per_query"] = matches_per_query()
        print(json.dumps({k: v for k, v in result["search"].items() if not k.startswith("explain")},
                         ensure_ascii=False), flush=True)  # fmt: skip
    connection.close()
    path = save("history_search", result)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
