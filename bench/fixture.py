"""Users, conversations and bearer tokens for the benchmarks, made through Portal's services
in the benchmark database (the same DATABASE_URL as bench.servers).

Tokens are issued the way a sign-in issues them (a registered device and a token session)
but without the password check: argon2 takes ~100 ms a sign-in, which would dominate the
set-up of a thousand clients and is not what is measured.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from bench.servers import VAR, setup_django

AGENCY_NAME = "Нагрузочное тестирование"
# A few names, so users look like officials in the directory.
LAST_NAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
]
FIRST_NAMES = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений",
               "Иван", "Михаил", "Николай", "Павел", "Олег"]  # fmt: skip


def benchmark_agency() -> Any:
    from portal.accounts.models import Agency
    from portal.accounts.services import agency_save
    from portal.audit.services import RequestContext

    agency = Agency.objects.filter(name=AGENCY_NAME).first()
    if agency is None:
        agency = agency_save(
            actor=None, agency=None, name=AGENCY_NAME, short_name="НТ", require_2fa=False,
            context=RequestContext.system(),
        )  # fmt: skip
    return agency


def ensure_users(prefix: str, count: int) -> list[Any]:
    """Users ``<prefix>.u00000``... (created by ``user_create`` if missing; they have no
    usable password)."""
    from portal.accounts.models import User
    from portal.accounts.services import user_create
    from portal.audit.services import RequestContext

    logins = [f"{prefix}.u{i:05d}" for i in range(count)]
    existing = {u.login: u for u in User.objects.filter(login__in=logins)}
    agency = benchmark_agency()
    users = []
    for i, login in enumerate(logins):
        user = existing.get(login)
        if user is None:
            user = user_create(
                actor=None, login=login, password=None, context=RequestContext.system(),
                agency=agency, last_name=LAST_NAMES[i % len(LAST_NAMES)],
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)], position="Специалист",
            )  # fmt: skip
        users.append(user)
    return users


def issue_tokens(users: list[Any]) -> list[str]:
    """A fresh access token for each user, on a new device of theirs."""
    from django.db import transaction

    from portal.accounts.models import AuthSession
    from portal.accounts.services.sessions import auth_session_create
    from portal.audit.services import RequestContext
    from portal.devices.services import DeviceInfo, device_register

    context = RequestContext(ip="127.0.0.1", user_agent="portal-bench")
    tokens = []
    for user in users:
        with transaction.atomic():
            device = device_register(
                user=user, info=DeviceInfo(client_device_id=str(uuid.uuid4()), platform="other",
                                           app_version="bench"),
                context=context,
            )  # fmt: skip
            issued = auth_session_create(
                user=user, device=device, kind=AuthSession.Kind.TOKEN, context=context
            )
        tokens.append(issued.access_token)
    return tokens


def realtime_fixture(users: int, conversations: int) -> dict[str, Any]:
    """``users`` users spread round-robin over ``conversations`` groups (user i is in
    group i mod conversations), each with a token. Made once and kept in var/bench/."""
    path = VAR / f"fixture-rt-{users}-{conversations}.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    setup_django()
    from django.db import connection

    from messaging.models import Conversation
    from messaging.services import conversation_create

    people = ensure_users("rt", users)
    groups = []
    for c in range(conversations):
        members = list(range(c, users, conversations))
        title = f"Нагрузка {users}x{conversations} №{c}"
        conversation = Conversation.objects.filter(title=title).first()
        if conversation is None:
            conversation = conversation_create(
                actor=people[members[0]], kind=Conversation.Kind.GROUP, title=title,
                member_ids=[people[m].pk for m in members[1:]],
            )  # fmt: skip
        groups.append({"id": str(conversation.pk), "members": members})
    tokens = issue_tokens(people)
    fixture = {
        "users": [{"id": str(u.pk), "login": u.login, "token": t}
                  for u, t in zip(people, tokens, strict=True)],
        "conversations": groups,
    }  # fmt: skip
    connection.close()
    VAR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixture))
    return fixture
