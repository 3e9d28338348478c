"""``manage.py seed_demo``: the demo agency, its department tree, ten officials and an
administrator, and conversations between the officials (``messaging.demo``), for ``make run``
and the browser tests.

Idempotent: what exists already (looked up by name, or by login key) is left as it is, so running
it again changes nothing. Everything is created through the accounts services, so the
audit log records it like any other change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from messaging.demo import seed_conversations
from portal.accounts.identity import login_skeleton
from portal.accounts.models import Agency, Department, User
from portal.accounts.services import agency_save, department_save, user_create
from portal.audit.services import RequestContext

AGENCY_NAME = "Министерство цифрового развития (демо)"
AGENCY_SHORT_NAME = "Минцифры (демо)"
EMAIL_DOMAIN = "mincifra-demo.example"

IT = "Департамент информационных технологий"
# (name, parent name): parents come before their children.
DEPARTMENTS: list[tuple[str, str | None]] = [
    ("Аппарат министра", None),
    (IT, None),
    ("Отдел инфраструктуры", IT),
    ("Отдел информационной безопасности", IT),
    ("Департамент документооборота", None),
    ("Юридический отдел", None),
]

# (login, last name, first name, middle name, position, department)
USERS: list[tuple[str, str, str, str, str, str]] = [
    ("kuznetsov.ag", "Кузнецов", "Алексей", "Геннадьевич",
     "Руководитель аппарата министра", "Аппарат министра"),
    ("sokolova.ev", "Соколова", "Елена", "Викторовна",
     "Помощник министра", "Аппарат министра"),
    ("morozov.dv", "Морозов", "Дмитрий", "Владимирович",
     "Директор департамента", IT),
    ("volkova.ns", "Волкова", "Наталья", "Сергеевна",
     "Начальник отдела", "Отдел инфраструктуры"),
    ("lebedev.ia", "Лебедев", "Игорь", "Андреевич",
     "Ведущий инженер", "Отдел инфраструктуры"),
    ("kozlov.pm", "Козлов", "Павел", "Михайлович",
     "Начальник отдела", "Отдел информационной безопасности"),
    ("novikova.oi", "Новикова", "Ольга", "Игоревна",
     "Главный специалист-эксперт", "Отдел информационной безопасности"),
    ("fedorov.sn", "Фёдоров", "Сергей", "Николаевич",
     "Директор департамента", "Департамент документооборота"),
    ("pavlova.ta", "Павлова", "Татьяна", "Александровна",
     "Консультант", "Департамент документооборота"),
    ("semenov.ay", "Семёнов", "Андрей", "Юрьевич",
     "Начальник отдела", "Юридический отдел"),
]  # fmt: skip
ADMIN = ("admin", "Смирнов", "Виктор", "Олегович", "Системный администратор", IT)


def demo_password(login: str) -> str:
    """The demo password of ``login``: fixed, so the printed table stays true across runs."""
    return f"Demo-{login}-2026!"


class Command(BaseCommand):
    help = (
        "Create the demo agency, its departments, ten users, the administrator 'admin' and "
        "demo conversations (idempotent), and print the demo passwords. Refused in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with published passwords; "
                "it does not run with PORTAL_ENV=production."
            )
        context = RequestContext.system()
        with transaction.atomic():
            created = 0
            agency = Agency.objects.filter(name=AGENCY_NAME).first()
            if agency is None:
                agency = agency_save(
                    actor=None, agency=None, name=AGENCY_NAME, short_name=AGENCY_SHORT_NAME,
                    require_2fa=False, context=context,
                )  # fmt: skip
                created += 1
            departments: dict[str, Department] = {}
            for name, parent_name in DEPARTMENTS:
                parent = departments[parent_name] if parent_name else None
                department = Department.objects.filter(
                    agency=agency, parent=parent, name=name
                ).first()
                if department is None:
                    department = department_save(
                        actor=None, department=None, agency=agency, parent=parent, name=name,
                        head=None, context=context,
                    )  # fmt: skip
                    created += 1
                departments[name] = department
            rows = []
            for login, last, first, middle, position, department_name in [*USERS, ADMIN]:
                is_admin = login == ADMIN[0]
                if not User.objects.filter(login_key=login_skeleton(login)).exists():
                    user_create(
                        actor=None, login=login, password=demo_password(login), context=context,
                        last_name=last, first_name=first, middle_name=middle, position=position,
                        agency=agency, department=departments[department_name],
                        email=f"{login}@{EMAIL_DOMAIN}", is_staff=is_admin, is_superuser=is_admin,
                    )  # fmt: skip
                    created += 1
                rows.append((login, f"{last} {first} {middle}", demo_password(login)))
            officials = {u.login: u for u in User.objects.filter(login__in=[u[0] for u in USERS])}
            created += self._heads(departments, officials, context)
            created += seed_conversations(officials)
        self._report(agency, len(departments), rows, created)

    def _heads(
        self, departments: dict[str, Department], officials: dict[str, User], context: Any
    ) -> int:
        """Each department without a head gets its first official whose position leads it
        (an approval route may name the head of a department)."""
        changed = 0
        for login, _last, _first, _middle, position, department_name in USERS:
            department = departments[department_name]
            leads = position.startswith(("Руководитель", "Директор", "Начальник"))
            if department.head_id is None and leads and login in officials:
                departments[department_name] = department_save(
                    actor=None, department=department, agency=department.agency,
                    parent=department.parent, name=department.name, head=officials[login],
                    context=context,
                )  # fmt: skip
                changed += 1
        return changed

    def _report(
        self, agency: Agency, departments: int, rows: list[tuple[str, str, str]], created: int
    ) -> None:
        self.stdout.write(
            _("Demo agency “%(agency)s”: %(departments)d departments, %(users)d users.")
            % {"agency": agency.name, "departments": departments, "users": len(rows)}
        )
        if created:
            self.stdout.write(_("Created now: %(n)d objects.") % {"n": created})
        else:
            self.stdout.write(_("Everything was already in place; nothing changed."))
        header = (_("Login"), _("Name"), _("Password"))
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write(line)
        for row in [header, *rows]:
            self.stdout.write(
                "| " + " | ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)) + " |"
            )
            if row is header:
                self.stdout.write(line)
        self.stdout.write(line)
        self.stdout.write(
            self.style.WARNING(
                _(
                    "These are demo credentials, printed for anyone to read: never use this "
                    "database for real work. 'admin' signs in at /admin/."
                )
            )
        )
