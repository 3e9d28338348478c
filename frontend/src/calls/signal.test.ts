/** The protocol module's part in calls: `call.signal` goes out as a frame and comes in as an
 * ephemeral frame; a refusal is an error frame that leaves the socket open. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { START, makeClient, serverAccepts, tick } from "../realtime/harness.js";
import type { EphemeralFrame } from "../realtime/index.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("call signals over the event socket", () => {
  it("sends call.signal frames and hands the other party's to the listeners", async () => {
    const h = await makeClient({ lastEventId: 0 });
    const frames: EphemeralFrame[] = [];
    const errors: unknown[] = [];
    h.client.on("ephemeral", (frame) => frames.push(frame));
    h.client.on("protocolError", ({ error }) => errors.push(error?.code));
    expect(h.client.sendCallSignal("call-1", { candidate: null })).toBe(false); // not online yet
    serverAccepts(h.hub.last, 0);
    await tick();

    expect(h.client.sendCallSignal("call-1", { sdp: { type: "offer", sdp: "v=0" } })).toBe(true);
    expect(h.client.sendCallSignal("call-1", { candidate: { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: 0 } })).toBe(true);
    expect(h.hub.last.sent.filter((f) => f.type === "call.signal")).toEqual([
      { type: "call.signal", call_id: "call-1", sdp: { type: "offer", sdp: "v=0" } },
      { type: "call.signal", call_id: "call-1", candidate: { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: 0 } },
    ]);

    const answer = { type: "call.signal", call_id: "call-1", from_user_id: "user-2", sdp: { type: "answer", sdp: "v=0" } };
    h.hub.last.push(answer);
    h.hub.last.push({ type: "error", error: { code: "call_not_active", message: "", details: { state: "ended" } } });
    await tick();
    expect(frames).toEqual([answer]);
    expect(errors).toEqual(["call_not_active"]);
    expect(h.client.state.status).toBe("online");
  });
});
