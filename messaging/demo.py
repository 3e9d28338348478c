"""Demo conversations for ``manage.py seed_demo``: direct chats, two groups and a channel
with comments between the demo officials, so that ``make run`` shows a living portal.

Everything goes through the messaging services. Running it again changes nothing: groups
and channels are found again by their title and owner, direct chats are one per pair
anyway, every message has a fixed ``client_id`` (a repeated send returns the first
message), and reactions, pins and read positions are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from messaging import services
from messaging.models import Conversation, Message
from portal.accounts.models import User


@dataclass(frozen=True)
class Line:
    """One message: ``key`` names it for replies, threads, reactions and the pin."""

    author: str
    body: str
    key: str = ""
    reply_to: str = ""
    thread_root: str = ""
    mentions: tuple[str, ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()  # (login, emoji)
    pinned_by: str = ""


@dataclass(frozen=True)
class Chat:
    key: str
    kind: str  # "direct", "group" or "channel"
    owner: str
    members: tuple[str, ...]
    lines: tuple[Line, ...]
    title: str = ""
    description: str = ""
    visibility: str = Conversation.Visibility.PRIVATE
    comments_enabled: bool = False
    # Who has read everything (the others see these messages as unread).
    read_by: tuple[str, ...] = field(default=())


CHATS: list[Chat] = [
    Chat(
        key="planning",
        kind="group",
        owner="kuznetsov.ag",
        title="Совещание по цифровой трансформации",
        description="Подготовка еженедельного совещания у министра: повестка, материалы, решения.",
        members=("sokolova.ev", "morozov.dv", "fedorov.sn", "semenov.ay"),
        read_by=("kuznetsov.ag",),
        lines=(
            Line("kuznetsov.ag", "Коллеги, совещание переносится на четверг, 11:00, зал 305.",
                 key="moved", pinned_by="kuznetsov.ag",
                 reactions=(("sokolova.ev", "👍"), ("morozov.dv", "👍"), ("fedorov.sn", "👌"))),
            Line("sokolova.ev", "Принято. Обновлю приглашения в календаре."),
            Line("morozov.dv", "От ИТ подготовлю справку о ходе миграции на отечественные ОС.",
                 key="it"),
            Line("fedorov.sn", "Нужна ли справка по электронному документообороту за квартал?"),
            Line("kuznetsov.ag", "Да, Сергей Николаевич, **до среды**, пожалуйста.",
                 reply_to="it"),
            Line("semenov.ay", "Юридический отдел направит замечания к проекту приказа "
                 "о порядке хранения электронных документов.",
                 mentions=("kuznetsov.ag",)),
        ),
    ),
    Chat(
        key="infra",
        kind="group",
        owner="morozov.dv",
        title="ИТ-инфраструктура",
        description="Рабочий чат департамента ИТ: серверы, сети, дежурства.",
        visibility=Conversation.Visibility.AGENCY,
        members=("volkova.ns", "lebedev.ia", "kozlov.pm", "novikova.oi"),
        read_by=("morozov.dv",),
        lines=(
            Line("volkova.ns", "Сегодня в 22:00 плановые работы на СХД, простой до 30 минут.",
                 key="works", pinned_by="morozov.dv"),
            Line("lebedev.ia", "Дежурю я, после работ отпишусь здесь."),
            Line("kozlov.pm", "Перед работами проверьте, что резервные копии за сутки целы.",
                 reply_to="works", reactions=(("volkova.ns", "✅"),)),
            Line("lebedev.ia", "Работы завершены в 22:24, все сервисы доступны.",
                 reactions=(("morozov.dv", "🔥"), ("volkova.ns", "👍"))),
        ),
    ),
    Chat(
        key="news",
        kind="channel",
        owner="sokolova.ev",
        title="Новости министерства",
        description="Официальные объявления для сотрудников министерства.",
        visibility=Conversation.Visibility.AGENCY,
        comments_enabled=True,
        members=("kuznetsov.ag", "morozov.dv", "volkova.ns", "fedorov.sn", "pavlova.ta"),
        read_by=("sokolova.ev",),
        lines=(
            Line("sokolova.ev", "С 1 декабря служебные командировки оформляются только "
                 "в электронном виде через портал.", key="trips"),
            Line("pavlova.ta", "А авансовые отчёты тоже в электронном виде?",
                 thread_root="trips"),
            Line("sokolova.ev", "Да, с приложением сканов чеков.", thread_root="trips"),
            Line("sokolova.ev", "В пятницу с 18:00 до 20:00 профилактика почтового сервера.",
                 reactions=(("kuznetsov.ag", "👍"),)),
        ),
    ),
    Chat(
        key="dm-kuznetsov-sokolova",
        kind="direct",
        owner="kuznetsov.ag",
        members=("sokolova.ev",),
        read_by=("sokolova.ev",),
        lines=(
            Line("sokolova.ev", "Алексей Геннадьевич, министр просит материалы к 10:00."),
            Line("kuznetsov.ag", "Хорошо, пришлю к 9:30."),
            Line("sokolova.ev", "Спасибо! И напомню: в 15:00 видеоконференция с регионами."),
        ),
    ),
    Chat(
        key="dm-morozov-kuznetsov",
        kind="direct",
        owner="morozov.dv",
        members=("kuznetsov.ag",),
        read_by=("morozov.dv",),
        lines=(
            Line("morozov.dv", "Справку по миграции положил в общую папку, посмотрите, "
                 "пожалуйста."),
        ),
    ),
    Chat(
        key="dm-volkova-lebedev",
        kind="direct",
        owner="volkova.ns",
        members=("lebedev.ia",),
        read_by=("volkova.ns", "lebedev.ia"),
        lines=(
            Line("volkova.ns", "Игорь, завтра сможешь подменить на утреннем дежурстве?"),
            Line("lebedev.ia", "Да, без проблем."),
        ),
    ),
]  # fmt: skip


def seed_conversations(users: dict[str, User]) -> int:
    """Create what is missing of :data:`CHATS` between ``users`` (by login); returns how
    many conversations, messages, reactions and pins were created now."""
    created = 0
    for chat in CHATS:
        conversation, new = _conversation(chat, users)
        created += new
        sent: dict[str, Message] = {}
        for number, line in enumerate(chat.lines, start=1):
            author = users[line.author]
            message, new = services.message_send(
                actor=author,
                conversation_id=conversation.pk,
                client_id=f"demo-{chat.key}-{number}",
                body=line.body,
                reply_to_id=sent[line.reply_to].pk if line.reply_to else None,
                thread_root_id=sent[line.thread_root].pk if line.thread_root else None,
                mentions={"users": [users[login].pk for login in line.mentions]},
            )
            created += new
            if line.key:
                sent[line.key] = message
            for login, emoji in line.reactions:
                created += services.reaction_add(
                    actor=users[login], message_id=message.pk, emoji=emoji
                )
            if line.pinned_by:
                services.message_pin(actor=users[line.pinned_by], message_id=message.pk,
                                     pinned=True)  # fmt: skip
        conversation.refresh_from_db(fields=["last_seq"])
        for login in chat.read_by:
            services.conversation_mark_read(
                actor=users[login], conversation_id=conversation.pk, seq=conversation.last_seq
            )
    return created


def _conversation(chat: Chat, users: dict[str, User]) -> tuple[Conversation, bool]:
    owner = users[chat.owner]
    if chat.kind == Conversation.Kind.DIRECT:
        [other] = chat.members
        existed = Conversation.objects.filter(
            kind=Conversation.Kind.DIRECT, memberships__user=owner
        ).filter(memberships__user=users[other])
        new = not existed.exists()
        return services.direct_conversation(actor=owner, other=users[other]), new
    existing = Conversation.objects.filter(
        kind=chat.kind, title=chat.title, created_by=owner
    ).first()
    if existing is not None:
        return existing, False
    conversation = services.conversation_create(
        actor=owner, kind=chat.kind, title=chat.title, description=chat.description,
        member_ids=[users[login].pk for login in chat.members], visibility=chat.visibility,
        comments_enabled=chat.comments_enabled,
    )  # fmt: skip
    return conversation, True
