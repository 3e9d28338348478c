"""The browser benchmark's data, made through Portal's services in its own database:

    .venv/bin/python -m bench.client.seed --out var/bench-client/fixture.json

User ``bc.reader`` (password ``PASSWORD``, so the benchmark signs in over REST as the
browser does) and two colleagues; ``--conversations`` groups of three with
``--messages`` messages each, and one group with ``--big`` messages. Every message goes
through ``message_send`` (Markdown rendering, events, the same rows as a real send): there
is no bulk service, and ``manage.py seed_messages`` bypasses the service. The seeding time
is printed and recorded. Idempotent: conversations are found by title and only the
missing messages are sent, so a second run costs nothing. Bounded by count and by
``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.client.server import client_env

PASSWORD = "Bench-Client-Password-42"  # noqa: S105 - benchmark data on loopback only
READER = "bc.reader"
PEERS = ["bc.peer1", "bc.peer2"]
BIG_TITLE = "Бенчмарк: большой чат"
SMALL_TITLE = "Бенчмарк: чат №{n:02d}"
# The last message of each conversation says whose it is: the switch benchmark waits for it.
BATCH = 200
LAST_BODY = "Последнее сообщение: {title}"


def _users() -> list[Any]:
    from bench.fixture import benchmark_agency
    from portal.accounts.models import User
    from portal.accounts.services import user_create
    from portal.audit.services import RequestContext

    agency = benchmark_agency()
    people = []
    names = [("Читателев", "Пётр"), ("Коллегова", "Анна"), ("Сотрудников", "Иван")]
    for login, (last, first) in zip([READER, *PEERS], names, strict=True):
        user = User.objects.filter(login=login).first() or user_create(
            actor=None, login=login, password=PASSWORD, context=RequestContext.system(),
            agency=agency, last_name=last, first_name=first, position="Специалист",
        )  # fmt: skip
        people.append(user)
    return people


def _conversation(title: str, people: list[Any]) -> Any:
    from messaging.models import Conversation
    from messaging.services import conversation_create

    found = Conversation.objects.filter(title=title).first()
    return found or conversation_create(
        actor=people[0], kind=Conversation.Kind.GROUP, title=title,
        member_ids=[p.pk for p in people[1:]],
    )  # fmt: skip


def _fill(
    conversation: Any, people: list[Any], count: int, rng: random.Random, deadline: float
) -> int:
    """Send messages until the conversation holds ``count`` sent by people; how many were sent."""
    from django.db import transaction

    from messaging.models import Message

    have = Message.objects.filter(conversation=conversation, kind=Message.Kind.TEXT).count()
    sent = 0
    for start in range(have, count, BATCH):
        if time.monotonic() > deadline:
            raise SystemExit(f"seeding over its time limit; {sent} sent to {conversation.title}")
        # One commit per batch rather than per message: the sends are the service's own,
        # their events are published when the batch commits.
        with transaction.atomic():
            for n in range(start, min(start + BATCH, count)):
                _send(conversation, people, n, count, rng)
                sent += 1
    return sent


def _send(conversation: Any, people: list[Any], n: int, count: int, rng: random.Random) -> None:
    from messaging.management.commands.seed_messages import EN, RU
    from messaging.services import message_send

    if n == count - 1:
        body = LAST_BODY.format(title=conversation.title)
    else:
        parts = rng.sample(EN if rng.random() < 0.1 else RU, rng.choice((1, 1, 2, 3)))
        body = ". ".join(p[0].upper() + p[1:] for p in parts) + "."
        if rng.random() < 0.1:
            body += f"\n\n**Срок:** до {rng.randint(1, 28)}.{rng.randint(1, 12):02d}, № `{n}`"
    message_send(
        actor=people[n % len(people)], conversation_id=conversation.pk,
        client_id=f"bench-client:{uuid.uuid4()}",
        body=body,
    )  # fmt: skip


def seed(*, conversations: int, messages: int, big: int, timeout: float) -> dict[str, Any]:
    from django.db import connection

    from messaging.models import Message

    started = time.monotonic()
    deadline = started + timeout
    rng = random.Random(10)
    people = _users()
    small = []
    sent = 0
    for n in range(1, conversations + 1):
        conversation = _conversation(SMALL_TITLE.format(n=n), people)
        sent += _fill(conversation, people, messages, rng, deadline)
        small.append(conversation)
    small_seconds = time.monotonic() - started
    big_started = time.monotonic()
    conversation = _conversation(BIG_TITLE, people)
    big_sent = _fill(conversation, people, big, rng, deadline)
    big_seconds = time.monotonic() - big_started
    if connection.vendor == "postgresql" and sent + big_sent:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def describe(c: Any) -> dict[str, Any]:
        return {
            "id": str(c.pk),
            "title": c.title,
            "messages": Message.objects.filter(conversation=c).count(),
            "last_body": LAST_BODY.format(title=c.title),
        }

    return {
        "reader": {"login": READER, "password": PASSWORD},
        "small": [describe(c) for c in small],
        "big": describe(conversation),
        "seeding": {
            "sent_now": sent + big_sent,
            "small_sent": sent,
            "small_seconds": round(small_seconds, 1),
            "big_sent": big_sent,
            "big_seconds": round(big_seconds, 1),
            "per_message_ms": round(1000 * big_seconds / big_sent, 2) if big_sent else None,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=120)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()
    os.environ.update(client_env())
    import django

    django.setup()
    fixture = seed(
        conversations=args.conversations, messages=args.messages, big=args.big,
        timeout=args.timeout,
    )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, ensure_ascii=False, indent=1))
    print(json.dumps(fixture["seeding"]), file=sys.stderr)


if __name__ == "__main__":
    main()
