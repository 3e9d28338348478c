"""``manage.py seed_demo``: the demo agency for ``make run``, safe to run every time."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from portal.accounts.management.commands.seed_demo import (
    AGENCY_NAME,
    DEPARTMENTS,
    USERS,
    demo_password,
)
from portal.accounts.models import Agency, AuthSession, Department, User
from portal.accounts.services import login_with_password
from portal.audit.models import AuditEvent
from portal.audit.services import RequestContext, verify_chain
from portal.devices.services import DeviceInfo
from tests.helpers import outside_a_request

pytestmark = outside_a_request


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Agency.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


def table(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("|", "+"))]


def test_creates_the_demo_agency():
    output = seed()
    agency = Agency.objects.get(name=AGENCY_NAME)
    assert not agency.require_2fa
    assert Department.objects.filter(agency=agency).count() == len(DEPARTMENTS) == 6
    infra = Department.objects.get(agency=agency, name="Отдел инфраструктуры")
    assert infra.parent is not None
    assert infra.parent.name == "Департамент информационных технологий"
    officials = User.objects.filter(agency=agency, is_staff=False)
    assert officials.count() == len(USERS) == 10
    assert all(u.department is not None and u.position and u.last_name for u in officials)
    admin = User.objects.get(login="admin")
    assert admin.is_staff and admin.is_superuser and admin.agency == agency
    # Created through the services: each user creation is in the audit log, chain intact.
    assert AuditEvent.objects.filter(action="user.created").count() == 11
    assert AuditEvent.objects.filter(action="department.created").count() == 6
    assert verify_chain().first_broken_id is None
    rows = table(output)
    assert len(rows) == 3 + 11 + 1  # border, header, border, users, border
    assert any("kuznetsov.ag" in r and demo_password("kuznetsov.ag") in r for r in rows)
    assert any("| admin " in r and "Demo-admin-2026!" in r for r in rows)


def test_running_again_changes_nothing():
    first = seed()
    before = counts()
    second = seed()
    assert counts() == before
    assert table(second) == table(first)


def test_printed_passwords_sign_in():
    seed()
    for login in ("kozlov.pm", "admin"):
        issued = login_with_password(
            login=login,
            password=demo_password(login),
            otp="",
            device=DeviceInfo(client_device_id=f"seed-{login}", platform="web"),
            kind=AuthSession.Kind.TOKEN,
            context=RequestContext(ip="127.0.0.1"),
        )
        assert issued.access_token
    client = Client()
    assert client.login(login="admin", password=demo_password("admin"))
    assert client.get("/admin/accounts/user/").status_code == 200


def test_passwords_pass_the_password_policy():
    from django.contrib.auth.password_validation import validate_password

    seed()
    for user in User.objects.all():
        validate_password(demo_password(user.login), user)


def test_refused_in_production():
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        seed()
    assert not Agency.objects.exists()


def test_demo_conversations_are_created_once_through_the_services():
    from messaging.demo import CHATS
    from messaging.models import Conversation, Membership, Message, Pin, Reaction

    seed()
    kuznetsov = User.objects.get(login="kuznetsov.ag")
    kinds = sorted(Conversation.objects.values_list("kind", flat=True))
    assert kinds == ["channel", "direct", "direct", "direct", "group", "group"]
    texts = Message.objects.filter(kind=Message.Kind.TEXT)
    assert texts.count() == sum(len(chat.lines) for chat in CHATS) >= 20
    assert texts.filter(reply_to__isnull=False).exists()
    assert texts.filter(thread_root__isnull=False).exists()
    assert Reaction.objects.exists() and Pin.objects.count() == 2
    channel = Conversation.objects.get(kind="channel")
    assert channel.comments_enabled
    # created by the services: system messages, owners, event log entries
    assert Message.objects.filter(kind=Message.Kind.SYSTEM, system__event="created").count() == 3
    assert Membership.objects.get(conversation=channel, user__login="sokolova.ev").role == "owner"
    # the demo user finds unread messages waiting, and a mention
    mine = Membership.objects.filter(user=kuznetsov, left_at__isnull=True)
    unread = [m for m in mine if m.conversation.last_seq > m.last_read_seq]
    assert len(unread) >= 2

    before = (
        Conversation.objects.count(), Message.objects.count(), Reaction.objects.count(),
        Pin.objects.count(), list(Membership.objects.order_by("id").values_list("last_read_seq")),
        AuditEvent.objects.count(),
    )  # fmt: skip
    output = seed()
    after = (
        Conversation.objects.count(), Message.objects.count(), Reaction.objects.count(),
        Pin.objects.count(), list(Membership.objects.order_by("id").values_list("last_read_seq")),
        AuditEvent.objects.count(),
    )  # fmt: skip
    assert after == before
    assert "ничего не изменено" in output  # Russian, the default language
