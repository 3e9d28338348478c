"""CPU per message sent to a group, in-process: through the service and through the REST
view (Django's test client: middleware, token authentication, device policy, DRF, the
service, the response), with the one-statement send (``--path sql``) or the ORM path it
replaced (``--path orm``).

    BENCH_DATABASE=portal_bench .venv/bin/python -m bench.servers prepare
    .venv/bin/python -m bench.send_cpu --sends 500 --members 10 --path both

Each send is timed with ``time.process_time`` (this process's CPU: Python, psycopg, the
Redis client ringing the doorbells after commit); the PostgreSQL backend serving this
process is measured over the whole loop from /proc (its clock ticks are too coarse for
one send) and reported per send. Daphne's HTTP parsing and Redis's own CPU are not in
these numbers. Each run makes a fresh group of ``--members`` users (the sender among them).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import machine, save, summary_ms
from bench.servers import setup_django


def _backend_cpu_s(pid: int) -> float:
    """User and system CPU of a process so far, in seconds (from /proc, 1/100 s steps)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _group(members: int) -> tuple[Any, Any, str]:
    """A group of ``members`` fresh users; its sender, its id and the sender's token."""
    from bench.fixture import issue_tokens
    from messaging import services
    from portal.accounts.services import user_create
    from portal.audit.services import RequestContext

    run = uuid.uuid4().hex[:8]
    users = [
        user_create(
            actor=None,
            login=f"sendcpu-{run}-{n}",
            password=uuid.uuid4().hex,
            context=RequestContext.system(),
            last_name="Замеров",
            first_name="Пётр",
        )
        for n in range(members)
    ]
    group = services.conversation_create(
        actor=users[0], kind="group", title=f"Замер {run}", member_ids=[u.pk for u in users[1:]]
    )
    return users[0], group.pk, issue_tokens([users[0]])[0]


def _loop(send: Any, count: int, warmup: int) -> dict[str, Any]:
    """``send(i)`` ``warmup`` times untimed, then ``count`` times timed."""
    from django.db import connection

    for i in range(warmup):
        send(-1 - i)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    per_send, backend_before = [], _backend_cpu_s(backend)
    for i in range(count):
        started = time.process_time()
        send(i)
        per_send.append(time.process_time() - started)
    backend_ms = (_backend_cpu_s(backend) - backend_before) * 1000 / count
    result = summary_ms(per_send)
    result["postgres_backend_mean"] = round(backend_ms, 2)
    result["both_mean"] = round(result["mean"] + backend_ms, 2)
    return result


def measure(path: str, sends: int, members: int, warmup: int) -> dict[str, Any]:
    from django.test import Client

    from messaging import services
    from messaging.services import messages

    real_sql_path = messages._message_send_sql
    if path == "orm":
        messages._message_send_sql = messages._message_send_locked
    try:
        sender, conversation_id, token = _group(members)

        def by_service(i: int) -> None:
            services.message_send(
                actor=sender, conversation_id=conversation_id, client_id=str(uuid.uuid4()),
                body=f"Сообщение **{i}** о бюджете",
            )  # fmt: skip

        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
        url = f"/api/v1/conversations/{conversation_id}/messages"

        def by_rest(i: int) -> None:
            body = {"client_id": str(uuid.uuid4()), "body": f"Сообщение **{i}** о бюджете"}
            response = client.post(url, json.dumps(body), content_type="application/json")
            if response.status_code != 201:
                raise SystemExit(f"the send answered {response.status_code}: {response.content!r}")

        return {
            "service": _loop(by_service, sends, warmup),
            "rest": _loop(by_rest, sends, warmup),
        }
    finally:
        messages._message_send_sql = real_sql_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=500)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--path", choices=("sql", "orm", "both"), default="both")
    args = parser.parse_args()
    setup_django()
    paths = ("orm", "sql") if args.path == "both" else (args.path,)
    result: dict[str, Any] = {"machine": machine(), "sends": args.sends, "members": args.members}
    for path in paths:
        result[path] = measure(path, args.sends, args.members, args.warmup)
        for where in ("service", "rest"):
            row = result[path][where]
            print(
                f"{path:>3} {where:>7}: process CPU p50 {row['p50']} mean {row['mean']} ms; "
                f"+ PostgreSQL backend {row['postgres_backend_mean']} = {row['both_mean']} ms"
            )
    if len(paths) == 2:
        result["sql_vs_orm_rest_mean"] = round(
            result["sql"]["rest"]["mean"] / result["orm"]["rest"]["mean"], 3
        )
    print(save("send_cpu", result))


if __name__ == "__main__":
    main()
