"""Events of calls: payloads and exactly who receives them (docs/api.md, "Calls").

Durable (the users' event streams): ``call.incoming``, ``call.update`` and
``call.answered_elsewhere`` — state a device must learn even if it connects later (a
device that connects while the call still rings resumes its stream, or asks ``GET
calls/active``). Signalling (``call.signal``) is never stored: it is stale within seconds
and goes only to one session's sockets (conferencing/signalling.py).
"""

from __future__ import annotations

from typing import Any

from conferencing.models import Call


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def call_payload(call: Call) -> dict[str, Any]:
    """A call as both parties see it."""
    accepted = call.accepted_session
    return {
        "id": str(call.pk),
        "kind": call.kind,
        "state": call.state,
        "caller_id": str(call.caller_id),
        "callee_id": str(call.callee_id),
        "conversation_id": str(call.conversation_id) if call.conversation_id else None,
        "accepted_device_id": str(accepted.device_id) if accepted is not None else None,
        "created_at": call.created_at.isoformat(),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "ended_by": str(call.ended_by_id) if call.ended_by_id else None,
        "duration_seconds": call.duration_seconds(),
    }


def incoming_event(call: Call) -> tuple[dict[str, Any], list[Any]]:
    """``call.incoming``: every device of the callee rings."""
    return {"type": "call", "op": "incoming", "call": call_payload(call)}, [call.callee_id]


def update_event(call: Call) -> tuple[dict[str, Any], list[Any]]:
    """``call.update``: the call's new state, to every device of both parties; a call that
    starts (ringing, or busy) only to the caller's — the callee's ring with ``call.incoming``
    or, in another call, are not disturbed."""
    starting = call.state in (Call.State.RINGING, Call.State.BUSY)
    recipients = [call.caller_id] if starting else [call.caller_id, call.callee_id]
    return {"type": "call", "op": "update", "call": call_payload(call)}, recipients


def answered_elsewhere_event(call: Call) -> tuple[dict[str, Any], list[Any]]:
    """``call.answered_elsewhere``: for each of the callee's other devices (published once
    per device with ``device_id``), which stop ringing."""
    event = {
        "type": "call", "op": "answered_elsewhere", "call_id": str(call.pk),
        "device_id": str(call.accepted_session.device_id) if call.accepted_session else None,
    }  # fmt: skip
    return event, [call.callee_id]


def system_record(call: Call) -> dict[str, Any]:
    """The ``system`` data of the message a finished call leaves in its conversation
    ("Пропущенный звонок", "Звонок, 12:34": the client words it)."""
    return {
        "event": "call",
        "call_id": str(call.pk),
        "call_kind": call.kind,
        "call_state": call.state,
        "duration_seconds": call.duration_seconds(),
    }
