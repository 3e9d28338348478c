"""Call signalling: SDP offers and answers and ICE candidates, relayed over the event
socket between the two devices of an answered call, and nowhere else.

A signal is an ephemeral frame (``portal.realtime.services.send_ephemeral`` to one sign-in
session's sockets): never stored, since it is stale within seconds — a device that
reconnects mid-call makes a new offer with an ICE restart instead of replaying old ones.
Before the accept there is nobody to signal to (the callee's devices only ring); after it
the caller's device talks only to the accepting device and back. Anyone else, any other
state or any other device gets an error frame and nothing is relayed. Portal reads no SDP:
it checks the frame's shape and size only, and never touches media.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from conferencing import selectors
from conferencing.exceptions import CallNotActive, CallOnOtherDevice, SignalInvalid, SignalThrottled
from conferencing.models import Call
from portal import clock
from portal.accounts.models import AuthSession, User
from portal.realtime.exceptions import MalformedFrame
from portal.realtime.services import send_ephemeral

# An SDP (its UTF-8 bytes) may be this large; the socket closes any message over 64 KB
# anyway (4413), so over the socket the larger ones never reach this check.
MAX_SDP_BYTES = 64 * 1024
MAX_CANDIDATE_CHARS = 2048
MAX_MID_CHARS = 64
MAX_UFRAG_CHARS = 256
SDP_TYPES = ("offer", "answer")


def signal_parse(frame: dict[str, Any], *, ids: Iterable[str] = ("call_id",)) -> dict[str, Any]:
    """The signal of a ``call.signal`` frame, exactly one of ``{"sdp": {"type", "sdp"}}`` or
    ``{"candidate": {...} | null}`` (RTCSessionDescriptionInit / RTCIceCandidateInit; null
    is the end of candidates); ``MalformedFrame`` naming what is wrong, ``SignalInvalid``
    for an SDP over ``MAX_SDP_BYTES``. ``ids``: the keys that address the frame (a
    conference's signal has ``conference_id`` and ``to``), the only others it may have."""
    unknown = set(frame) - {"type", "sdp", "candidate", *ids}
    if unknown:
        raise MalformedFrame(unknown=sorted(unknown)[:10])
    if ("sdp" in frame) == ("candidate" in frame):
        raise MalformedFrame(signal=["Exactly one of sdp or candidate."])
    if "sdp" in frame:
        sdp = frame["sdp"]
        if not isinstance(sdp, dict) or set(sdp) != {"type", "sdp"}:
            raise MalformedFrame(sdp=["An object with type and sdp."])
        if sdp["type"] not in SDP_TYPES:
            raise MalformedFrame(sdp=["type is offer or answer."])
        if not isinstance(sdp["sdp"], str) or not sdp["sdp"]:
            raise MalformedFrame(sdp=["sdp is the session description's text."])
        if len(sdp["sdp"].encode()) > MAX_SDP_BYTES:
            raise SignalInvalid(max_sdp_bytes=MAX_SDP_BYTES)
        return {"sdp": {"type": sdp["type"], "sdp": sdp["sdp"]}}
    candidate = frame["candidate"]
    if candidate is None:
        return {"candidate": None}
    if not isinstance(candidate, dict) or "candidate" not in candidate:
        raise MalformedFrame(candidate=["An RTCIceCandidateInit object, or null."])
    if set(candidate) - {"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}:
        raise MalformedFrame(candidate=["candidate, sdpMid, sdpMLineIndex, usernameFragment."])
    checks = (
        ("candidate", str, MAX_CANDIDATE_CHARS, False),
        ("sdpMid", str, MAX_MID_CHARS, True),
        ("usernameFragment", str, MAX_UFRAG_CHARS, True),
    )
    for key, kind, limit, nullable in checks:
        value = candidate.get(key)
        if value is None and nullable:
            continue
        if not isinstance(value, kind) or len(value) > limit:
            raise MalformedFrame(candidate=[f"{key}: a string of up to {limit} characters."])
    index = candidate.get("sdpMLineIndex")
    if index is not None and (
        not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= 65535
    ):
        raise MalformedFrame(candidate=["sdpMLineIndex: an integer from 0 to 65535, or null."])
    return {
        "candidate": {
            k: candidate.get(k)
            for k in ("candidate", "sdpMid", "sdpMLineIndex", "usernameFragment")
        }
    }


def signal_allow(state: dict[str, Any], *, now: dt.datetime | None = None) -> None:
    """Take one token of a socket's signalling bucket (``state``: the socket's own dict):
    ``CALL_SIGNAL_BURST`` at once, refilled at ``CALL_SIGNAL_RATE`` per second; without a
    token, ``SignalThrottled`` (the socket stays usable)."""
    now = now or clock.now()
    burst, rate = float(settings.CALL_SIGNAL_BURST), float(settings.CALL_SIGNAL_RATE)
    tokens, since = state.get("call_signal_bucket", (burst, now))
    tokens = min(burst, tokens + max(0.0, (now - since).total_seconds()) * rate)
    if tokens < 1:
        state["call_signal_bucket"] = (tokens, now)
        raise SignalThrottled(retry_after=max(1, int((1 - tokens) / rate + 0.999)))
    state["call_signal_bucket"] = (tokens - 1, now)


def call_signal(*, actor: User, session: AuthSession, call_id: Any, signal: dict[str, Any]) -> Call:
    """Relay a parsed signal (``signal_parse``) of an answered call to the other party's
    device: the caller's device to the accepting one and back. ``CallNotFound`` for
    anyone but the two parties (they learn nothing of the call), ``CallNotActive`` for a
    call that is not answered (ringing, or over), ``CallOnOtherDevice`` from any other
    device of a party."""
    call = selectors.access_call(actor, call_id)
    if call.state != Call.State.ACCEPTED:
        raise CallNotActive(state=call.state, call_id=str(call.pk))
    if actor.pk == call.caller_id:
        mine, theirs = call.caller_session_id, call.accepted_session_id
    else:
        mine, theirs = call.accepted_session_id, call.caller_session_id
    if mine != session.pk or theirs is None:
        raise CallOnOtherDevice(call_id=str(call.pk))
    frame = {
        "type": "call.signal",
        "call_id": str(call.pk),
        "from_user_id": str(actor.pk),
        **signal,
    }
    send_ephemeral(frame, session_ids=[theirs])
    return call
