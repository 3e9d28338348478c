import { describe, expect, it } from "vitest";

import { applyEvent } from "../app/events.js";
import { initialState } from "../app/store.js";
import type { Call } from "./api.js";
import { emptyCalls, mergeCall, otherParty, ringingCalls } from "./state.js";

function call(state: Call["state"], fields: Partial<Call> = {}): Call {
  return {
    id: "call-1", kind: "video", state, caller_id: "alice", callee_id: "bob", conversation_id: "c-1",
    accepted_device_id: null, created_at: "2026-12-04T10:00:00+00:00", answered_at: null, ended_at: null,
    ended_by: null, duration_seconds: null, ...fields,
  };
}

describe("the calls' state in the one dispatcher", () => {
  it("rings on call.incoming and stops when the call is answered, cancelled or answered elsewhere", () => {
    const start = { ...initialState({ status: "online", userId: "bob", headEventId: 0 }) };
    const ringing = applyEvent(start, { type: "call", op: "incoming", call: call("ringing") });
    expect(ringingCalls(ringing.calls, "bob", null).map((c) => c.id)).toEqual(["call-1"]);
    expect(ringingCalls(ringing.calls, "alice", null)).toEqual([]); // the caller's tabs do not ring
    expect(ringingCalls(ringing.calls, "bob", "call-1")).toEqual([]); // answered in this tab
    const elsewhere = applyEvent(ringing, { type: "call", op: "answered_elsewhere", call_id: "call-1", device_id: "d-2" });
    expect(ringingCalls(elsewhere.calls, "bob", null)).toEqual([]);
    const cancelled = applyEvent(ringing, { type: "call", op: "update", call: call("cancelled") });
    expect(ringingCalls(cancelled.calls, "bob", null)).toEqual([]);
    expect(cancelled.calls?.changes).toBe(2);
  });

  it("only moves a call forward: an older copy (a slow REST answer, a repeat) changes nothing", () => {
    const accepted = mergeCall(emptyCalls, call("accepted", { accepted_device_id: "d-1" }));
    expect(mergeCall(accepted, call("ringing"))).toBe(accepted);
    expect(mergeCall(accepted, call("accepted", { accepted_device_id: "d-1" }))).toBe(accepted);
    const ended = mergeCall(accepted, call("ended", { duration_seconds: 3 }));
    expect(ended.byId["call-1"]?.state).toBe("ended");
    expect(mergeCall(ended, call("accepted"))).toBe(ended);
    expect(mergeCall(ended, call("failed"))).toBe(ended);
  });

  it("keeps the last few finished calls and every active one", () => {
    let calls = emptyCalls;
    for (let n = 0; n < 40; n++) {
      const minute = String(n).padStart(2, "0");
      calls = mergeCall(calls, call("ended", { id: `old-${n}`, created_at: `2026-12-04T10:${minute}:00+00:00` }));
    }
    calls = mergeCall(calls, call("ringing", { id: "now", created_at: "2026-12-04T09:00:00+00:00" }));
    const ids = Object.keys(calls.byId);
    expect(ids).toHaveLength(30);
    expect(ids).toContain("now");
    expect(ids).not.toContain("old-0");
    expect(ids).toContain("old-39");
  });

  it("ignores malformed call events and names the other party", () => {
    const start = initialState({ status: "online", userId: "bob", headEventId: 0 });
    const next = applyEvent(start, { type: "call", op: "update" });
    expect(next).toBe(start);
    expect(otherParty(call("ringing"), "bob")).toBe("alice");
    expect(otherParty(call("ringing"), "alice")).toBe("bob");
  });
});
