"""Reads of calls and their access checks."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from conferencing.exceptions import CallNotFound
from conferencing.models import Call
from portal.accounts.models import User
from portal.db import require_transaction
from portal.ids import as_uuid


def access_call(actor: User, call_id: Any, *, for_update: bool = False) -> Call:
    """A call the actor is the caller or the callee of; ``CallNotFound`` for a call that
    does not exist and for anybody else's alike (a third user learns nothing of it)."""
    pk = as_uuid(call_id)
    if pk is None:
        raise CallNotFound()
    calls = Call.objects.filter(Q(caller=actor) | Q(callee=actor), pk=pk)
    if for_update:
        require_transaction("access_call(for_update=True)")
        calls = calls.select_for_update(of=("self",))
    call = calls.select_related("caller", "callee").first()
    if call is None:
        raise CallNotFound()
    return call


def calls_of(user: User) -> QuerySet[Call]:
    """The user's call history, newest first: calls they made and calls they received."""
    return (
        Call.objects.filter(Q(caller=user) | Q(callee=user))
        .select_related("caller", "callee")
        .order_by("-created_at", "-id")
    )


def active_calls_of(user: User) -> QuerySet[Call]:
    """The user's ringing or answered calls (at most one, by the services' locking): what a
    device that connects mid-ring shows."""
    return calls_of(user).filter(state__in=Call.ACTIVE_STATES)


def active_calls_of_users(user_ids: list[Any]) -> QuerySet[Call]:
    """The ringing or answered calls of any of these users, locked (in the caller's
    transaction)."""
    require_transaction("active_calls_of_users")
    return Call.objects.select_for_update().filter(
        Q(caller_id__in=user_ids) | Q(callee_id__in=user_ids), state__in=Call.ACTIVE_STATES
    )


def in_active_call(user_ids: list[Any]) -> set[str]:
    """Those of these users who are a party of a ringing or answered call."""
    rows = Call.objects.filter(
        Q(caller_id__in=user_ids) | Q(callee_id__in=user_ids), state__in=Call.ACTIVE_STATES
    ).values_list("caller_id", "callee_id")
    wanted = {str(u) for u in user_ids}
    return {str(u) for row in rows for u in row if str(u) in wanted}


def calls_of_sessions(session_ids: list[Any]) -> QuerySet[Call]:
    """The active calls these sign-in sessions carry (as the caller's or the accepting
    device)."""
    return Call.objects.filter(
        Q(caller_session_id__in=session_ids) | Q(accepted_session_id__in=session_ids),
        state__in=Call.ACTIVE_STATES,
    )
