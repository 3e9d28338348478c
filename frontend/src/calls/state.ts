/**
 * The calls' part of the app state (`AppState.calls`), changed by the one dispatcher
 * (app/events.ts: `call.incoming`, `call.update`, `call.answered_elsewhere`) and by the REST
 * answers the call screens get. Pure functions: an event seen twice, or a REST answer
 * older than an event, changes nothing — a call's state only moves forward (ringing →
 * accepted → over).
 */
import type { PortalEvent } from "../realtime/index.js";
import type { Call, CallState } from "./api.js";

export interface CallsState {
  /** Calls this tab has heard of, by id, each in its latest state (the last few only). */
  byId: Readonly<Record<string, Call>>;
  /** Calls of mine answered on another of my devices: they stop ringing here. */
  elsewhere: readonly string[];
  /** Moves on every call event: the history screen reloads. */
  changes: number;
}

export const CALL_EVENT_TYPE = "call";
// Finished calls are kept only so that a late event cannot bring them back to ringing.
const KEPT = 30;

export const emptyCalls: CallsState = { byId: {}, elsewhere: [], changes: 0 };

export function isOver(state: CallState): boolean {
  return state !== "ringing" && state !== "accepted";
}

function rank(state: CallState): number {
  return state === "ringing" ? 0 : state === "accepted" ? 1 : 2;
}

/** `incoming` unless what is known is as far along or further (an older copy). */
export function mergeCall(calls: CallsState, incoming: Call): CallsState {
  const known = calls.byId[incoming.id];
  // A call that is over stays as it ended (a call ends once).
  if (known && (isOver(known.state) || rank(known.state) > rank(incoming.state))) return calls;
  if (known && known.state === incoming.state && known.accepted_device_id === incoming.accepted_device_id) return calls;
  const byId: Record<string, Call> = { ...calls.byId, [incoming.id]: incoming };
  const ids = Object.keys(byId);
  if (ids.length > KEPT) {
    // Drop the oldest finished ones; active calls always stay.
    const over = ids.filter((id) => isOver(byId[id]!.state)).sort((a, b) => byId[a]!.created_at.localeCompare(byId[b]!.created_at));
    for (const id of over.slice(0, ids.length - KEPT)) delete byId[id];
  }
  return { ...calls, byId };
}

export function applyCallEvent(calls: CallsState, event: PortalEvent): CallsState {
  const data = event as Record<string, unknown>;
  switch (event.op) {
    case "incoming":
    case "update": {
      const call = data["call"] as Call | undefined;
      if (!call?.id) return calls;
      const merged = mergeCall(calls, call);
      return { ...merged, changes: calls.changes + 1 };
    }
    case "answered_elsewhere": {
      const id = data["call_id"];
      if (typeof id !== "string" || calls.elsewhere.includes(id)) return calls;
      return { ...calls, elsewhere: [...calls.elsewhere, id].slice(-KEPT), changes: calls.changes + 1 };
    }
    default:
      return calls;
  }
}

/** The calls ringing for me here: incoming, still ringing, not answered on another device,
 * and not the one this tab already answered (`carried`). Oldest first. */
export function ringingCalls(calls: CallsState | undefined, meId: string | null, carried: string | null): Call[] {
  if (!calls || !meId) return [];
  return Object.values(calls.byId)
    .filter((c) => c.callee_id === meId && c.state === "ringing" && c.id !== carried && !calls.elsewhere.includes(c.id))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** The other party of a call, seen from `meId`. */
export function otherParty(call: Pick<Call, "caller_id" | "callee_id">, meId: string | null): string {
  return call.caller_id === meId ? call.callee_id : call.caller_id;
}
