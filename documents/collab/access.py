"""Who may open a document's editing socket, and edit tickets (docs/collab.md, "Signing in").

A socket is signed in by its handshake (``Authorization: Bearer``, or the browser's
same-origin session cookie: ``portal.realtime.middleware``) or, where a client cannot set
headers (the browser's ``WebSocket`` with a token in localStorage), by ``?ticket=`` from
``POST /api/v1/documents/<id>/edit-ticket``. A ticket is signed with SECRET_KEY, names the
user, the sign-in session and the document, expires EDIT_TICKET_TTL seconds after it was
made (by ``portal.clock``) and is good for one socket: its id is remembered in the cache
until it would have expired anyway.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.cache import cache

from documents.exceptions import DocumentKindMismatch, EditTicketInvalid
from documents.models import Document
from documents.selectors import access_document
from portal import clock
from portal.accounts.exceptions import NotAuthenticated
from portal.accounts.models import AuthSession
from portal.accounts.services.admission import admit_session_id
from portal.errors import PortalError

SALT = "documents.collab.ticket"
EDIT_TICKET_TTL = 60
MAX_TICKET_LENGTH = 1024

# Close codes of the editing socket (docs/collab.md, "Close codes"); 44xx stop
# y-websocket's provider from reconnecting, others let it retry.
CLOSE_MALFORMED = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_DEVICE_REFUSED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_LARGE = 4413
# Too much traffic: a socket that does not read (``too_slow``) or that floods
# (``too_many_messages``).
CLOSE_TRAFFIC = 4429
CLOSE_UNAVAILABLE = 4503


def close_code(error: PortalError) -> int:
    """The close code a refusal is sent with: by its HTTP status (a file document has
    nothing to edit here: 4404, like a missing one)."""
    if isinstance(error, DocumentKindMismatch):
        return CLOSE_NOT_FOUND
    return {
        401: CLOSE_UNAUTHENTICATED,
        403: CLOSE_DEVICE_REFUSED,
        404: CLOSE_NOT_FOUND,
        503: CLOSE_UNAVAILABLE,
    }.get(error.status, CLOSE_MALFORMED)


@dataclass(frozen=True)
class Granted:
    """An admitted socket: whose, through which sign-in session, with which role."""

    user_id: Any
    session_id: Any
    role: str


def ticket_make(*, session: AuthSession, document: Document) -> tuple[str, dt.datetime]:
    """A ticket for one editing socket of ``document`` by the session's user, and when it
    expires. The caller has checked the user's access."""
    expires = int(clock.now().timestamp()) + EDIT_TICKET_TTL
    payload = {
        "u": str(session.user_id),
        "s": str(session.pk),
        "d": str(document.pk),
        "j": secrets.token_urlsafe(12),
        "e": expires,
    }
    token = signing.dumps(payload, salt=SALT, compress=True)
    return token, dt.datetime.fromtimestamp(expires, tz=dt.UTC)


def _ticket_session_id(token: str, document_id: Any) -> Any:
    if not token or len(token) > MAX_TICKET_LENGTH:
        raise EditTicketInvalid()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise EditTicketInvalid() from None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), str) for k in ("u", "s", "d", "j")
    ):
        raise EditTicketInvalid()
    expires = payload.get("e")
    if not isinstance(expires, int) or expires <= clock.now().timestamp():
        raise EditTicketInvalid()
    if payload["d"] != str(document_id):
        raise EditTicketInvalid()
    # One socket per ticket: the first to use it wins, until it would have expired.
    if not cache.add(f"collab:ticket:{payload['j']}", 1, timeout=EDIT_TICKET_TTL + 5):
        raise EditTicketInvalid()
    return payload["s"], payload["u"]


def admit_socket(
    *, session: AuthSession | None, ticket: str | None, document_id: Any, ip: str | None
) -> Granted:
    """Admit an editing socket: its sign-in session (from the handshake, else the ticket),
    then the document (``access_document``: "not found" alike for a missing document and
    one the user does not see) and its kind. Raises the refusal."""
    if session is None:
        if ticket is None:
            raise NotAuthenticated()
        session_id, user_id = _ticket_session_id(ticket, document_id)
        session = admit_session_id(session_id, ip=ip, policy=True).accepted()
        if str(session.user_id) != user_id:
            raise EditTicketInvalid()
    document, role = access_document(session.user, document_id)
    if document.kind != Document.Kind.RICH_TEXT:
        raise DocumentKindMismatch()
    return Granted(session.user_id, session.pk, role)


def recheck(*, session_id: Any, document_id: Any, ip: str | None) -> str:
    """An open socket's role now: its session must still be usable (TokenRevoked,
    DeviceRefused otherwise) and the user must still see the document (DocumentNotFound
    otherwise) — a share revoked, a membership ended, the document put in the bin."""
    session = admit_session_id(session_id, ip=ip, policy=True).accepted()
    _document, role = access_document(session.user, document_id)
    return role
