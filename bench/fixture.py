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


# --- A large broadcast channel, made in bulk ---------------------------------------------------
#
# A channel of 100,000 members cannot be made through the services in reasonable time (and
# conversation_members_add caps a call and the member count), so the bulk path below writes
# the rows those services would have written, with their own functions wherever a value is
# derived: the model's login key and search text, guardian's rows through
# ``member_permissions_set`` itself, the topic follows (and their ``stream.follow`` events)
# through ``members_follow``. Left out, as benchmark data needs none: the audit records of
# ``user_create`` and ``device_register``, and the history of joining (a system message and
# a ``membership.add`` event per member). tests/test_bench_issue11.py compares a bulk
# member with one the services made.

BULK_BATCH = 5000


def bulk_users(prefix: str, count: int, agency: Any) -> list[Any]:
    """Ids of users ``<prefix>.u00000``..., created in bulk where missing, as
    ``user_create`` makes a user without a password (login checked by the same rules,
    ``login_key`` and ``search_text`` computed as ``User.save`` computes them, an unusable
    password)."""
    from django.contrib.auth.hashers import make_password

    from portal.accounts.identity import login_skeleton, login_validate
    from portal.accounts.models import User
    from portal.accounts.translit import search_text_for

    logins = [f"{prefix}.u{i:06d}" for i in range(count)]
    ids: dict[str, Any] = {}
    for start in range(0, count, BULK_BATCH):
        batch = logins[start : start + BULK_BATCH]
        ids.update(User.objects.filter(login__in=batch).values_list("login", "pk"))
        missing = []
        for i, login in enumerate(batch, start):
            if login in ids:
                continue
            last, first = LAST_NAMES[i % len(LAST_NAMES)], FIRST_NAMES[i % len(FIRST_NAMES)]
            login = login_validate(login)
            missing.append(
                User(
                    login=login, login_key=login_skeleton(login), last_name=last,
                    first_name=first, position="Специалист", agency=agency,
                    password=make_password(None),
                    search_text=search_text_for(last, first, "", login),
                )
            )  # fmt: skip
        for user in User.objects.bulk_create(missing):
            ids[user.login] = user.pk
    return [ids[login] for login in logins]


def bulk_streams(user_ids: list[Any]) -> None:
    """Every user's event stream row, as ``publish`` makes it before a user's first event
    (so the first post does not create 100,000 of them)."""
    from django.db import connection

    from portal.realtime.services import _ENSURE_STREAMS_SQL

    with connection.cursor() as cursor:
        for start in range(0, len(user_ids), BULK_BATCH):
            batch = [str(u) for u in user_ids[start : start + BULK_BATCH]]
            cursor.execute(_ENSURE_STREAMS_SQL, {"users": batch})


def bulk_members_add(conversation: Any, user_ids: list[Any]) -> None:
    """Make these users members (role ``member``) of ``conversation``, as
    ``conversation_members_add`` leaves them: a membership read up to the conversation's
    newest message, the guardian rows ``member_permissions_set`` writes for the role, and
    in a channel the follow of its topic (with its ``stream.follow`` event) that
    ``members_follow`` makes; both are called here, on each batch. Users already in it are
    left as they are."""
    from django.db import transaction

    from messaging.models import Conversation, Membership
    from messaging.services.common import members_follow
    from messaging.services.conversations import member_permissions_set
    from portal import clock

    for start in range(0, len(user_ids), BULK_BATCH):
        batch = user_ids[start : start + BULK_BATCH]
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            present = set(
                Membership.objects.filter(conversation=locked, user_id__in=batch).values_list(
                    "user_id", flat=True
                )
            )
            now = clock.now()
            added = Membership.objects.bulk_create(
                [Membership(conversation=locked, user_id=uid, role=Membership.Role.MEMBER,
                            joined_at=now, last_read_seq=locked.last_seq)
                 for uid in batch if uid not in present]
            )  # fmt: skip
            member_permissions_set(locked, added)
            members_follow(locked, [m.user_id for m in added])


def bulk_tokens(user_ids: list[Any]) -> list[str]:
    """An access token for each user on a new device of theirs, as a token sign-in makes
    them (``device_register`` and ``auth_session_create``: the same token format, hashes
    and lifetimes), in bulk."""
    import datetime as dt

    from django.conf import settings

    from portal import clock
    from portal.accounts.models import AuthSession
    from portal.accounts.services.sessions import _new_token_pair, hash_token
    from portal.devices.models import Device

    tokens: list[str] = []
    for start in range(0, len(user_ids), BULK_BATCH):
        batch = user_ids[start : start + BULK_BATCH]
        now = clock.now()
        devices = Device.objects.bulk_create(
            [Device(user_id=uid, client_device_id=str(uuid.uuid4()), platform="other",
                    app_version="bench", first_seen_at=now, last_seen_at=now,
                    last_ip="127.0.0.1")
             for uid in batch]
        )  # fmt: skip
        pairs = [_new_token_pair() for _ in batch]
        AuthSession.objects.bulk_create(
            [
                AuthSession(
                    user_id=uid,
                    device=device,
                    kind=AuthSession.Kind.TOKEN,
                    access_hash=hash_token(access),
                    refresh_hash=hash_token(refresh),
                    access_expires_at=now + dt.timedelta(seconds=settings.ACCESS_TOKEN_TTL),
                    refresh_expires_at=now + dt.timedelta(seconds=settings.REFRESH_TOKEN_TTL),
                    created_at=now,
                    last_used_at=now,
                    ip="127.0.0.1",
                    user_agent="portal-bench",
                )
                for uid, device, (access, refresh) in zip(batch, devices, pairs, strict=True)
            ]
        )
        tokens.extend(access for access, _ in pairs)
    return tokens


def channel_fixture(members: int, connected: int, *, reset: bool = False) -> dict[str, Any]:
    """A broadcast channel owned by ``bc.owner`` (made by the services, with a token) with
    ``members`` more members made in bulk, the first ``connected`` of them with tokens.
    Kept in var/ between runs; ``reset`` deletes the channel and makes it again (the users
    stay)."""
    import time

    path = VAR / f"fixture-channel-{members}-{connected}.json"
    if path.exists() and not reset:
        return dict(json.loads(path.read_text()))
    setup_django()
    from django.db import connection

    from messaging.models import Conversation
    from messaging.services import conversation_create

    started = time.perf_counter()
    title = f"Канал {members} участников"
    if reset:
        Conversation.objects.filter(title=title, kind=Conversation.Kind.CHANNEL).delete()
    (owner,) = ensure_users("bcowner", 1)
    conversation = Conversation.objects.filter(title=title, kind=Conversation.Kind.CHANNEL).first()
    if conversation is None:
        conversation = conversation_create(
            actor=owner, kind=Conversation.Kind.CHANNEL, title=title,
            description="Нагрузочное тестирование: объявления", member_ids=[],
        )  # fmt: skip
    user_ids = bulk_users("bc", members, benchmark_agency())
    made_users = time.perf_counter()
    bulk_streams([owner.pk, *user_ids])
    bulk_members_add(conversation, user_ids)
    made_members = time.perf_counter()
    (owner_token,) = issue_tokens([owner])
    tokens = bulk_tokens(user_ids[:connected])
    fixture = {
        "conversation": str(conversation.pk),
        "owner": {"id": str(owner.pk), "token": owner_token},
        "members": members,
        "connected": [{"id": str(u), "token": t}
                      for u, t in zip(user_ids[:connected], tokens, strict=True)],
        "seconds": {"users": round(made_users - started, 1),
                    "members": round(made_members - made_users, 1),
                    "total": round(time.perf_counter() - started, 1)},
    }  # fmt: skip
    connection.close()
    VAR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixture))
    return fixture
