"""Session admission: whether a sign-in session may be used right now, for every way in.

REST (bearer tokens and the browser's cookie), Django's own pages and the websocket gateway
(handshake, auth frame, re-checks and the poll of every socket of a process) all ask here,
so a session is refused by the same rules in the same order wherever it is used:

1. it has not ended (:func:`ended`: not revoked, its user not blocked);
2. its access token has not expired (a socket that is already open skips this: the session
   goes on, and the app refreshes its tokens over REST);
3. its device passes the device policy in force for its user;
4. then, and only then, the use is recorded (:func:`session_touch`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from portal import clock
from portal.accounts.exceptions import TokenExpired, TokenInvalid, TokenRevoked
from portal.accounts.models import AuthSession, User
from portal.accounts.services.sessions import ACCESS_PREFIX, hash_token, session_touch
from portal.devices.exceptions import DeviceRefused
from portal.devices.models import Device
from portal.devices.services import device_enforce_policy
from portal.errors import PortalError

# Sessions ended by one of these may still acknowledge their device's commands, so a
# wiped device can confirm the wipe after its tokens stopped working for everything else.
DEVICE_COMMAND_REVOKE_REASONS = frozenset({"device_logout", "device_lock", "device_wipe"})


@dataclass(frozen=True)
class Admission:
    """What admitting a session decided: ``refused`` is the error its use is refused with
    (TokenInvalid / TokenRevoked / TokenExpired / DeviceRefused), or None when it may be
    used. ``session`` is None only when the credential named no session at all."""

    session: AuthSession | None
    refused: PortalError | None = None

    @property
    def user(self) -> User | None:
        return self.session.user if self.session is not None else None

    @property
    def device(self) -> Device | None:
        return self.session.device if self.session is not None else None

    @property
    def ended(self) -> bool:
        """The session is over (or never was): its holder must sign in again. A device
        refusal is not that: the session lives on and is let in once the device complies."""
        return self.refused is not None and not isinstance(self.refused, DeviceRefused)

    def accepted(self) -> AuthSession:
        """The admitted session; raises the refusal if there was one."""
        if self.refused is not None:
            raise self.refused
        assert self.session is not None
        return self.session


def ended(
    *, revoked_at: dt.datetime | None, revoke_reason: str, user_active: bool
) -> PortalError | None:
    """The liveness rule, for one session or many: the error a session's use is refused
    with once it has ended (revoked, or its user blocked), None while it lives. Takes the
    column values so that the bulk check can apply it to rows without loading models."""
    if revoked_at is not None or not user_active:
        return TokenRevoked(reason=revoke_reason)
    return None


def admit(
    session: AuthSession | None,
    *,
    ip: str | None,
    policy: bool = True,
    expiry: bool = True,
    touch: bool = True,
    command_ack: bool = False,
) -> Admission:
    """Admit ``session`` (loaded with its user and device) for one use from ``ip``.

    ``policy=False`` skips the device policy (check-in must reach a refused device to tell
    it why); ``expiry=False`` lets a session whose access token expired through (an open
    socket); ``touch=False`` records nothing (re-checks of an open socket);
    ``command_ack`` also lets through a session that a remote command ended, untouched, so
    that the device can acknowledge the command. A session that is None is ended.
    """
    if session is None:
        return Admission(None, TokenRevoked(reason=""))
    if command_ack and session.revoke_reason in DEVICE_COMMAND_REVOKE_REASONS:
        return Admission(session)
    error = ended(
        revoked_at=session.revoked_at,
        revoke_reason=session.revoke_reason,
        user_active=session.user.is_active,
    )
    if error is None and expiry and session.access_expires_at <= clock.now():
        error = TokenExpired()
    if error is None and policy:
        try:
            device_enforce_policy(
                device=session.device,
                user=session.user,
                ip=ip,
                session_created_at=session.created_at,
                session_last_used_at=session.last_used_at,
            )
        except DeviceRefused as refused:
            error = refused
    if error is None and touch:
        session_touch(session, ip=ip)
    return Admission(session, error)


def admit_token(
    raw: str, *, ip: str | None, policy: bool = True, command_ack: bool = False
) -> Admission:
    """Admit the session an access token (``pat_…``) belongs to; a token that is malformed
    or belongs to no session is refused with TokenInvalid."""
    if not raw.startswith(ACCESS_PREFIX) or len(raw) > 200:
        return Admission(None, TokenInvalid())
    # The hash is unique: a slice, not .first(), so the query has no ORDER BY to build.
    found = list(
        AuthSession.objects.select_related("user", "user__agency", "device").filter(
            access_hash=hash_token(raw)
        )[:1]
    )
    if not found:
        return Admission(None, TokenInvalid())
    return admit(found[0], ip=ip, policy=policy, command_ack=command_ack)


def admit_session_id(session_id: Any, *, ip: str | None, policy: bool) -> Admission:
    """Re-admit an open socket's session by id: liveness and, with ``policy``, its device;
    an expired access token does not end it, and nothing is recorded."""
    session = AuthSession.objects.select_related("user", "device").filter(pk=session_id).first()
    return admit(session, ip=ip, policy=policy, expiry=False, touch=False)


def sessions_ended(session_ids: Iterable[Any]) -> dict[Any, PortalError]:
    """Of these sessions, the ones that ended (gone, revoked, or their user blocked), each
    with the error its sockets close with: :func:`ended` applied to each row, in one query."""
    found: dict[Any, PortalError] = {pk: TokenRevoked(reason="") for pk in session_ids}
    rows = AuthSession.objects.filter(pk__in=list(found)).values_list(
        "pk", "revoked_at", "revoke_reason", "user__is_active"
    )
    for pk, revoked_at, reason, active in rows:
        error = ended(revoked_at=revoked_at, revoke_reason=reason, user_active=active)
        if error is None:
            del found[pk]
        else:
            found[pk] = error
    return found
