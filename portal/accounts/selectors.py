"""Reads of the accounts app and its access checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from portal.accounts.exceptions import (
    AgencyNotFound,
    DepartmentNotFound,
    LoginInvalid,
    SessionNotFound,
    UserNotFound,
)
from portal.accounts.identity import login_refuse_invisible, login_skeleton, login_validate
from portal.accounts.models import Agency, AuthSession, Department, User
from portal.accounts.translit import query_variants
from portal.ids import as_uuid


def access_user(actor: User, user_id: Any) -> User:
    """An active user of this server, visible to every signed-in user (the staff directory)."""
    pk = as_uuid(user_id)
    user = (
        User.objects.select_related("agency", "department").filter(pk=pk, is_active=True).first()
        if pk
        else None
    )
    if user is None:
        raise UserNotFound()
    return user


def access_agency(actor: User, agency_id: Any) -> Agency:
    pk = as_uuid(agency_id)
    agency = Agency.objects.filter(pk=pk).first() if pk else None
    if agency is None:
        raise AgencyNotFound()
    return agency


def access_department(actor: User, department_id: Any) -> Department:
    pk = as_uuid(department_id)
    department = Department.objects.select_related("agency").filter(pk=pk).first() if pk else None
    if department is None:
        raise DepartmentNotFound()
    return department


def access_auth_session(actor: User, session_id: Any) -> AuthSession:
    """One of the actor's own live sessions; anybody else's is "not found"."""
    pk = as_uuid(session_id)
    session = (
        AuthSession.objects.select_related("device")
        .filter(pk=pk, user=actor, revoked_at__isnull=True)
        .first()
        if pk
        else None
    )
    if session is None:
        raise SessionNotFound()
    return session


def auth_sessions_of(user: User) -> QuerySet[AuthSession]:
    """The user's sessions that are not revoked (expired ones included until pruned)."""
    return (
        AuthSession.objects.select_related("device")
        .filter(user=user, revoked_at__isnull=True)
        .order_by("-last_used_at")
    )


def directory_search(
    *,
    actor: User,
    query: str = "",
    department: Department | None = None,
    include_subdepartments: bool = True,
    agency: Agency | None = None,
    position: str = "",
) -> QuerySet[User]:
    """Active users matching every word of ``query`` in their name or login, in Cyrillic or
    Latin, optionally within a department (and those below it), an agency, a position."""
    users = User.objects.select_related("agency", "department").filter(is_active=True)
    words_by_variant = [variant.split() for variant in query_variants(query)] if query else []
    if words_by_variant:
        match = Q()
        for words in words_by_variant:
            all_words = Q()
            for word in words[:10]:
                all_words &= Q(search_text__icontains=word)
            match |= all_words
        users = users.filter(match)
    if department is not None:
        ids = department.descendant_ids() if include_subdepartments else [department.id]
        users = users.filter(department_id__in=ids)
    if agency is not None:
        users = users.filter(agency=agency)
    if position:
        users = users.filter(position__icontains=position.strip()[:100])
    return users


def departments_of(agency: Agency) -> QuerySet[Department]:
    return Department.objects.filter(agency=agency).order_by("name")


@dataclass(frozen=True)
class LoginProblem:
    """An account whose login breaks the identity rules (``portal.accounts.identity``).

    ``reason`` is ``"collision"`` for an account left without a login key by migration
    0003: ``holder`` is the account that has the key, or None when the key is free again
    and saving the account once in the admin gives it its key. Any other reason is a
    ``LoginInvalid`` reason of a login made before the rules; it can be saved unchanged,
    but a new login must follow the rules. ``can_sign_in`` is False for collisions and for
    logins with characters sign-in refuses (invisible, control, unassigned).
    """

    user: User
    reason: str
    can_sign_in: bool
    holder: User | None = None


def login_problems() -> list[LoginProblem]:
    """Every account with a login problem, collisions first (for check_login_collisions)."""
    problems = []
    for user in User.objects.filter(login_key__isnull=True).order_by("date_joined", "id"):
        holder = User.objects.filter(login_key=login_skeleton(user.login)).first()
        problems.append(LoginProblem(user, "collision", can_sign_in=False, holder=holder))
    for user in User.objects.order_by("login").iterator(chunk_size=2000):
        try:
            login_validate(user.login)
        except LoginInvalid as exc:
            try:
                login_refuse_invisible(user.login)
                can_sign_in = True
            except LoginInvalid:
                can_sign_in = False
            problems.append(LoginProblem(user, exc.details["reason"], can_sign_in=can_sign_in))
    return problems
