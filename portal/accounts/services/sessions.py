"""Sign-in sessions: creating, authenticating, refreshing and revoking them."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from portal import clock
from portal.accounts.exceptions import TokenExpired, TokenInvalid
from portal.accounts.models import AuthSession, User
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.db import require_transaction
from portal.devices.models import Device
from portal.devices.services import DeviceInfo, device_enforce_policy, device_register
from portal.realtime.services import close_auth_session_sockets

ACCESS_PREFIX = "pat_"
REFRESH_PREFIX = "prt_"
# Websocket close code sent to sockets of a revoked session (docs/api.md).
CLOSE_SESSION_REVOKED = 4401
# Touch last_used_at at most this often, to spare a write on every request.
_TOUCH_INTERVAL = dt.timedelta(seconds=60)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedTokens:
    session: AuthSession
    access_token: str
    refresh_token: str


def _new_token_pair() -> tuple[str, str]:
    return ACCESS_PREFIX + secrets.token_urlsafe(32), REFRESH_PREFIX + secrets.token_urlsafe(32)


def auth_session_create(
    *, user: User, device: Device, kind: str, context: RequestContext
) -> IssuedTokens:
    """Start a session for ``user`` on ``device``, ending that device's earlier sessions.

    One device holds one live session: signing in again from the same device id replaces
    the old tokens (and closes the old sockets). Browser sessions carry no tokens; the
    Django session cookie points at the record instead.
    """
    now = clock.now()
    with transaction.atomic():
        previous = list(
            AuthSession.objects.select_for_update().filter(device=device, revoked_at__isnull=True)
        )
        if previous:
            _revoke(previous, reason="replaced", now=now)
        access, refresh = _new_token_pair()
        is_token = kind == AuthSession.Kind.TOKEN
        ttl = settings.ACCESS_TOKEN_TTL if is_token else settings.BROWSER_SESSION_TTL
        refresh_ttl = settings.REFRESH_TOKEN_TTL if is_token else settings.BROWSER_SESSION_TTL
        session = AuthSession.objects.create(
            user=user,
            device=device,
            kind=kind,
            access_hash=hash_token(access) if is_token else None,
            refresh_hash=hash_token(refresh) if is_token else None,
            access_expires_at=now + dt.timedelta(seconds=ttl),
            refresh_expires_at=now + dt.timedelta(seconds=refresh_ttl),
            created_at=now,
            last_used_at=now,
            ip=context.ip,
            user_agent=context.user_agent[:500],
        )
    return IssuedTokens(session, access if is_token else "", refresh if is_token else "")


def session_touch(session: AuthSession, *, ip: str | None) -> None:
    """Record use of the session, at most once a minute (browser sessions also slide)."""
    now = clock.now()
    if now - session.last_used_at < _TOUCH_INTERVAL:
        return
    updates: dict[str, Any] = {"last_used_at": now}
    if session.kind == AuthSession.Kind.BROWSER:
        updates["access_expires_at"] = min(
            now + dt.timedelta(seconds=settings.BROWSER_SESSION_TTL),
            session.refresh_expires_at,
        )
    AuthSession.objects.filter(pk=session.pk).update(**updates)
    Device.objects.filter(pk=session.device_id).update(last_seen_at=now, last_ip=ip)
    for key, value in updates.items():
        setattr(session, key, value)


def auth_session_refresh(*, refresh_token: str, context: RequestContext) -> IssuedTokens:
    """Exchange a refresh token for a new token pair; the old pair stops working.

    A refresh token is single-use: presenting one that was already exchanged means it
    leaked, so the whole session is revoked.
    """
    if not refresh_token.startswith(REFRESH_PREFIX) or len(refresh_token) > 200:
        raise TokenInvalid()
    now = clock.now()
    from portal.accounts.services.admission import ended  # it builds on this module

    digest = hash_token(refresh_token)
    with transaction.atomic():
        session = (
            AuthSession.objects.select_for_update()
            .select_related("user", "device")
            .filter(refresh_hash=digest)
            .first()
        )
        if session is None:
            raise TokenInvalid()
        error = ended(
            revoked_at=session.revoked_at,
            revoke_reason=session.revoke_reason,
            user_active=session.user.is_active,
        )
        if error is not None:
            raise error
        if session.refresh_expires_at <= now:
            raise TokenExpired()
        device_enforce_policy(
            device=session.device,
            user=session.user,
            ip=context.ip,
            session_created_at=session.created_at,
            session_last_used_at=session.last_used_at,
            # The app checks in with its fresh token; it needs the token to do so.
            ignore=frozenset({"checkin_required"}),
        )
        access, refresh = _new_token_pair()
        session.access_hash = hash_token(access)
        session.refresh_hash = hash_token(refresh)
        session.access_expires_at = now + dt.timedelta(seconds=settings.ACCESS_TOKEN_TTL)
        session.refresh_expires_at = now + dt.timedelta(seconds=settings.REFRESH_TOKEN_TTL)
        session.last_used_at = now
        session.ip = context.ip
        session.save()
        audit.record("auth.token_refreshed", actor=session.user, context=context, target=session)
    return IssuedTokens(session, access, refresh)


def _revoke(sessions: list[AuthSession], *, reason: str, now: dt.datetime) -> None:
    ids = [s.pk for s in sessions]
    AuthSession.objects.filter(pk__in=ids).update(revoked_at=now, revoke_reason=reason)
    close_auth_session_sockets(ids, code=CLOSE_SESSION_REVOKED, reason=reason)


def auth_session_revoke(
    *, actor: User, session: AuthSession, reason: str, context: RequestContext
) -> None:
    """End one session: its tokens stop at once and its sockets close after commit.

    Precondition: ``actor`` may revoke it (its owner via ``access_auth_session``, or staff).
    """
    with transaction.atomic():
        locked = AuthSession.objects.select_for_update().get(pk=session.pk)
        if locked.revoked_at is not None:
            return
        _revoke([locked], reason=reason, now=clock.now())
        audit.record(
            "auth.session_revoked",
            actor=actor,
            context=context,
            target=locked.user,
            details={"session": str(locked.pk), "device": str(locked.device_id), "reason": reason},
        )


def auth_sessions_revoke_all(
    *,
    actor: User | None,
    user: User,
    reason: str,
    context: RequestContext,
    keep: AuthSession | None = None,
) -> int:
    """End every live session of ``user`` (but ``keep``); return how many were ended."""
    with transaction.atomic():
        live = AuthSession.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        if keep is not None:
            live = live.exclude(pk=keep.pk)
        sessions = list(live)
        if sessions:
            _revoke(sessions, reason=reason, now=clock.now())
        audit.record(
            "auth.sessions_revoked_all",
            actor=actor,
            context=context,
            target=user,
            details={"count": len(sessions), "reason": reason},
        )
    return len(sessions)


def revoke_device_sessions(*, device: Device, reason: str) -> int:
    """End every live session on ``device`` (remote log-out, lock, wipe). Precondition: runs
    in the caller's transaction, which audits the cause."""
    require_transaction("revoke_device_sessions")
    sessions = list(
        AuthSession.objects.select_for_update().filter(device=device, revoked_at__isnull=True)
    )
    if sessions:
        _revoke(sessions, reason=reason, now=clock.now())
    return len(sessions)


def admin_session_start(*, user: User, context: RequestContext) -> AuthSession:
    """Record a sign-in through Django's admin login form: a browser device of its own, a
    browser session that staff can list and revoke like any other, and the audit record,
    committed together."""
    with transaction.atomic():
        device = device_register(
            user=user,
            info=DeviceInfo(
                client_device_id=f"admin-{secrets.token_hex(16)}",
                platform=Device.Platform.WEB,
                model=context.user_agent[:200],
            ),
            context=context,
        )
        issued = auth_session_create(
            user=user, device=device, kind=AuthSession.Kind.BROWSER, context=context
        )
        audit.record(
            "auth.login", actor=user, context=context, target=user, details={"kind": "admin"}
        )
    return issued.session
