"""``manage.py seed_messages``: fill a database with many realistic messages, fast, for the
history and search benchmarks (bench/history_search.py, docs/performance.md).

    manage.py seed_messages --messages 1000000 --conversations 200 --users 1000

Users (``seed.u00000``…, no usable password) and group conversations are created through
the services, like any others. The messages are NOT: they are inserted with
``bulk_create`` in batches, bypassing ``message_send`` — no Markdown rendering (the bodies
are plain text, so ``body_html`` is the paragraph the renderer would make), no mentions,
no events in anyone's stream, no audit. That is acceptable only for benchmark data: a
million sends through the service would take hours. Each batch still locks its
conversation row and takes the next numbers, so ``seq`` stays gapless per conversation and
``last_seq`` / ``last_message_at`` stay consistent, even beside live traffic. Running the
command again appends as many messages again. Refused in production.

Every conversation has user ``seed.u00000`` as a member (a reader of the whole corpus, the
worst case for search); the others get 3 to 60 members, and a few large conversations hold
most of the messages, as in real agencies.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Max
from django.utils.html import escape

from messaging.models import Conversation, Message
from messaging.services import conversation_create
from portal import clock
from portal.accounts.models import Agency, User
from portal.accounts.services import agency_save, user_create
from portal.audit.services import RequestContext

AGENCY_NAME = "Министерство тестовых данных"
LOGIN_PREFIX = "seed.u"
BATCH = 5000
HISTORY_DAYS = 365

# Fragments of working chat in a ministry; a message is one to three of them. Their words
# recur with different frequencies and inflections, which is what search has to cope with.
RU = [
    "Прошу согласовать проект приказа о командировке",
    "направляю отчёт о выполнении плана за квартал",
    "совещание по бюджету переносится на пятницу",
    "коллеги, посмотрите замечания юридического отдела к договору",
    "сервер электронного документооборота будет недоступен ночью",
    "нужно подготовить справку для руководства до конца дня",
    "проект бюджета на следующий год направлен в министерство финансов",
    "по контракту поставки оборудования есть вопросы к исполнителю",
    "включите меня, пожалуйста, в рабочую группу по закупкам",
    "письмо из администрации зарегистрировано, срок ответа — десять дней",
    "согласование регламента затянулось, жду подписи заместителя",
    "завтра в десять видеоконференция с территориальными органами",
    "обновите, пожалуйста, таблицу с показателями эффективности",
    "инвентаризация техники назначена на следующую неделю",
    "аудит информационной безопасности выявил замечания по паролям",
    "отпуск согласован, замещать будет начальник отдела",
    "пропуск для подрядчика оформлен на всё время работ",
    "служебная записка передана в канцелярию",
    "протокол совещания разослан участникам",
    "в приказ нужно внести изменения по срокам",
    "госзакупка объявлена, заявки принимаются до пятнадцатого числа",
    "проверьте, пожалуйста, расчёт субсидии в приложении",
    "замечания к техническому заданию учтены",
    "доклад министру готов, осталось согласовать цифры",
    "на портале госуслуг обновили форму заявления",
    "сформирован реестр входящих обращений граждан",
    "бюджетная заявка отклонена, нужно обоснование",
    "договор подписан обеими сторонами",
    "принято, беру в работу",
    "спасибо, получил",
    "созвонимся после обеда?",
    "перенесите, пожалуйста, встречу на четверг",
]
EN = [
    "the quarterly report is ready for review",
    "meeting moved to Thursday morning",
    "please check the budget figures in the attachment",
    "the server maintenance window starts at ten pm",
    "contract draft sent to the legal department",
    "deadline for the procurement plan is next Friday",
    "thanks, received",
    "can we schedule a call with the regional offices",
]


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.12:
        parts = rng.sample(EN, rng.randint(1, 2))
    else:
        parts = rng.sample(RU, rng.choices((1, 2, 3), (5, 3, 1))[0])
    text = ". ".join(part[0].upper() + part[1:] for part in parts)
    if rng.random() < 0.15:
        text += f" (№ {rng.randint(1, 999)}-{rng.choice(('р', 'п', 'од'))})"
    return text + rng.choice((".", ".", "!", "?"))


class Command(BaseCommand):
    help = (
        "Insert many realistic messages quickly (bulk, bypassing message_send) for the "
        "benchmarks. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--messages", type=int, default=100_000)
        parser.add_argument("--conversations", type=int, default=200)
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=42, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_messages writes benchmark data; not with PORTAL_ENV=production"
            )
        rng = random.Random(options["seed"])
        started = time.monotonic()
        users = self._users(options["users"])
        conversations = self._conversations(users, options["conversations"], rng)
        self.stdout.write(
            f"{len(users)} users, {len(conversations)} conversations "
            f"({time.monotonic() - started:.0f} s)"
        )
        # A few conversations are busy: weights fall off like 1/rank.
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(conversations))]
        counts = [0] * len(conversations)
        for index in rng.choices(range(len(conversations)), weights, k=options["messages"]):
            counts[index] += 1
        done = 0
        now = clock.now()
        for conversation, count in zip(conversations, counts, strict=True):
            members = list(conversation.memberships.values_list("user_id", flat=True))
            # Spread over the last year (after what an earlier run seeded), in seq order; the
            # "created" system message of a new group is older only in seq.
            seeded = Message.objects.filter(
                conversation=conversation, client_id__startswith="seed:"
            ).aggregate(newest=Max("created_at"))["newest"]
            start = max(
                now - dt.timedelta(days=HISTORY_DAYS),
                seeded or now - dt.timedelta(days=HISTORY_DAYS),
            )
            step = (now - start) / (count + 1)
            for offset in range(0, count, BATCH):
                times = [start + step * (offset + i + 1) for i in range(min(BATCH, count - offset))]
                done += self._append(conversation.pk, members, times, rng)
            if count:
                self.stdout.write(f"{done} messages ({done / (time.monotonic() - started):.0f}/s)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE messaging_message")
        self.stdout.write(f"Inserted {done} messages in {time.monotonic() - started:.0f} s")

    def _users(self, count: int) -> list[User]:
        context = RequestContext.system()
        agency = Agency.objects.filter(name=AGENCY_NAME).first() or agency_save(
            actor=None, agency=None, name=AGENCY_NAME, short_name="МТД", require_2fa=False,
            context=context,
        )  # fmt: skip
        logins = [f"{LOGIN_PREFIX}{i:05d}" for i in range(count)]
        existing = {u.login: u for u in User.objects.filter(login__in=logins)}
        return [
            existing.get(login)
            or user_create(
                actor=None,
                login=login,
                password=None,
                context=context,
                agency=agency,
                last_name="Тестов",
                first_name=f"Пользователь {i}",
                position="Специалист",
            )
            for i, login in enumerate(logins)
        ]

    def _conversations(
        self, users: list[User], count: int, rng: random.Random
    ) -> list[Conversation]:
        """The seeded groups (made once; a rerun appends messages to the same ones)."""
        found = list(Conversation.objects.filter(title__startswith="Тестовая группа №"))
        by_title = {c.title: c for c in found}
        reader, others = users[0], users[1:]
        conversations = []
        for n in range(count):
            title = f"Тестовая группа №{n + 1}"
            if title not in by_title:
                size = min(len(others), rng.choice((3, 5, 8, 12, 20, 35, 60)))
                members = rng.sample(others, size)
                by_title[title] = conversation_create(
                    actor=members[0], kind=Conversation.Kind.GROUP, title=title,
                    member_ids=[reader.pk] + [u.pk for u in members[1:]],
                )  # fmt: skip
            conversations.append(by_title[title])
        return conversations

    def _append(
        self, conversation_id: Any, members: list[Any], times: list[dt.datetime], rng: random.Random
    ) -> int:
        """Append one message per time in ``times`` under the conversation's row lock, so
        ``seq`` stays gapless."""
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
            first = conversation.last_seq + 1
            messages = []
            for i, created_at in enumerate(times):
                body = _sentence(rng)
                messages.append(
                    Message(
                        id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        conversation_id=conversation_id,
                        seq=first + i,
                        author_id=rng.choice(members),
                        client_id=f"seed:{conversation_id}:{first + i}",
                        kind=Message.Kind.TEXT,
                        body=body,
                        body_html=f"<p>{escape(body)}</p>",
                        created_at=created_at,
                    )
                )
            Message.objects.bulk_create(messages, batch_size=BATCH)
            Conversation.objects.filter(pk=conversation_id).update(
                last_seq=first + len(times) - 1,
                last_message_at=max(times[-1], conversation.last_message_at or times[-1]),
            )
        return len(times)
