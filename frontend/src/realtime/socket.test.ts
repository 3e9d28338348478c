import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { START, makeClient, serverAccepts, testEvent, tick } from "./harness.js";
import { FakeSocketHub } from "./testing.js";
import { CloseCode } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the event socket", () => {
  it("authenticates with an auth frame, goes online on ready and delivers events", async () => {
    const { client, hub, events, states } = await makeClient({ lastEventId: 10 });
    expect(hub.sockets).toHaveLength(1);
    const socket = hub.last;
    expect(socket.url).toBe("wss://portal.test/ws/");
    expect(socket.url).not.toContain("pat_"); // never a token in the URL
    socket.open();
    expect(socket.sent).toEqual([{ type: "auth", token: "pat_1", last_event_id: 10 }]);
    socket.push({ type: "ready", last_event_id: 12, user_id: "user-1" });
    expect(client.state).toEqual({ status: "online", userId: "user-1", headEventId: 12 });
    socket.push(testEvent(11));
    socket.push(testEvent(12));
    expect(events.map((e) => e.id)).toEqual([11, 12]);
    expect(events[0]!.event).toEqual({ type: "test", op: "ping" });
    await client.flush();
    expect(states.map((s) => s.status)).toEqual(["stopped", "connecting", "online"]);
  });

  it("persists the last delivered id so a reload resumes from it", async () => {
    const first = await makeClient({ lastEventId: 5 });
    serverAccepts(first.hub.last, 7);
    first.hub.last.push(testEvent(6));
    first.hub.last.push(testEvent(7));
    await first.client.flush();
    first.client.dispose();
    expect(first.storage.getItem("portal.last_event_id")).toBe("7");

    const second = await makeClient({ storage: first.storage });
    second.hub.last.open();
    expect(second.hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1", last_event_id: 7 });
  });

  it("delivers each event once, in increasing id order, dropping repeats and older ids", async () => {
    const { hub, events } = await makeClient({ lastEventId: 100 });
    const socket = hub.last;
    serverAccepts(socket, 100);
    for (const id of [99, 100, 101, 101, 104, 102, 103, 104, 105, 101, 106]) socket.push(testEvent(id));
    expect(events.map((e) => e.id)).toEqual([101, 104, 105, 106]);
  });

  it("ignores frames that are not JSON objects with a type, and ids that are not integers", async () => {
    const { hub, events } = await makeClient({ lastEventId: 1 });
    serverAccepts(hub.last, 1);
    hub.last.pushRaw("not json");
    hub.last.pushRaw("[1,2]");
    hub.last.push({ type: "event", id: "2", event: { type: "test" } });
    hub.last.push({ type: "event", id: 2.5, event: { type: "test" } });
    hub.last.push(testEvent(3));
    expect(events.map((e) => e.id)).toEqual([3]);
  });

  it("without a stored id starts from the head and asks the app to load its state", async () => {
    const { client, hub, resyncs, events } = await makeClient();
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1" });
    hub.last.push({ type: "ready", last_event_id: 40, user_id: "user-1" });
    expect(resyncs).toEqual(["initial"]);
    expect(client.lastDeliveredEventId).toBe(40);
    hub.last.push(testEvent(40));
    hub.last.push(testEvent(41));
    expect(events.map((e) => e.id)).toEqual([41]);
  });

  it("surfaces resync_required and resumes from the head after it", async () => {
    const { client, hub, resyncs, events } = await makeClient({ lastEventId: 3 });
    serverAccepts(hub.last, 500);
    hub.last.push({ type: "resync_required" });
    expect(resyncs).toEqual(["resync_required"]);
    expect(client.lastDeliveredEventId).toBe(500);
    hub.last.push(testEvent(501));
    expect(events.map((e) => e.id)).toEqual([501]);
    // A reconnect now resumes from the head, not from the pruned id.
    hub.last.serverClose(1006);
    await tick(1000);
    hub.last.open();
    expect(hub.last.sent[0]).toMatchObject({ last_event_id: 501 });
  });

  it("pings a quiet socket and treats one that stays silent as dead", async () => {
    const { client, hub } = await makeClient({ lastEventId: 0 });
    const socket = hub.last;
    serverAccepts(socket, 0);
    await tick(25_000);
    expect(socket.sent.at(-1)).toEqual({ type: "ping" });
    socket.push({ type: "pong" });
    await tick(24_999);
    expect(socket.sent.filter((f) => f.type === "ping")).toHaveLength(1); // the pong counted
    await tick(1); // 25 s of silence again: the next ping ...
    expect(socket.sent.filter((f) => f.type === "ping")).toHaveLength(2);
    await tick(9_999);
    expect(client.state.status).toBe("online");
    await tick(1); // ... gets no answer within 10 s
    expect(socket.closedByClient).toEqual({ code: CloseCode.CLIENT_HEARTBEAT_TIMEOUT, reason: "heartbeat timeout" });
    expect(client.state).toMatchObject({ status: "reconnecting", attempt: 1 });
    await tick(1000);
    expect(hub.sockets).toHaveLength(2);
    expect(hub.live).toHaveLength(1);
  });

  it("gives up on a handshake that never completes", async () => {
    const { client, hub } = await makeClient({ lastEventId: 0 });
    hub.last.open();
    hub.last.push({ type: "error", error: { code: "x", message: "", details: {} } }); // no ready
    await tick(19_999);
    expect(hub.last.closedByClient).toBeNull();
    expect(hub.last.sent.filter((f) => f.type === "ping")).toEqual([]); // never before ready
    await tick(1);
    expect(hub.last.closedByClient).not.toBeNull();
    expect(client.state.status).toBe("reconnecting");
  });

  it("sends typing and presence frames and relays the server's", async () => {
    const { client, hub } = await makeClient({ lastEventId: 0 });
    const frames: unknown[] = [];
    client.on("ephemeral", (frame) => frames.push(frame));
    expect(client.sendTyping("conv-1")).toBe(false); // not open yet
    hub.last.open();
    expect(client.sendTyping("conv-1")).toBe(false); // open, not signed in: it would be refused
    expect(hub.last.sent).toEqual([{ type: "auth", token: "pat_1", last_event_id: 0 }]);
    hub.last.push({ type: "ready", last_event_id: 0, user_id: "user-1" });
    expect(client.sendTyping("conv-1")).toBe(true);
    expect(client.setPresence("away")).toBe(true);
    expect(hub.last.sent.slice(1)).toEqual([
      { type: "typing", conversation_id: "conv-1" },
      { type: "presence", state: "away" },
    ]);
    hub.last.push({ type: "typing", conversation_id: "conv-1", user_id: "user-2" });
    expect(frames).toEqual([{ type: "typing", conversation_id: "conv-1", user_id: "user-2" }]);
  });
});

describe("close codes", () => {
  it("4401 without token_expired signs out and clears local data", async () => {
    const { client, hub, storage } = await makeClient({ lastEventId: 9 });
    serverAccepts(hub.last, 9);
    hub.last.serverClose(4401, { code: "token_revoked", details: { reason: "revoked_by_user" } });
    await client.flush();
    expect(client.state).toMatchObject({ status: "signed_out", reason: "revoked_by_user" });
    expect(storage.getItem("portal.tokens")).toBeNull();
    expect(storage.getItem("portal.last_event_id")).toBeNull();
    await tick(120_000);
    expect(hub.sockets).toHaveLength(1); // no reconnect
  });

  it("4401 token_expired refreshes the tokens and reconnects with the new one", async () => {
    const { client, hub, fake } = await makeClient({ lastEventId: 9 });
    fake.on("POST /api/v1/auth/refresh", () => ({ status: 200, body: tokenPairAt(2) }));
    serverAccepts(hub.last, 9);
    hub.last.serverClose(4401, { code: "token_expired" });
    await tick();
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(hub.sockets).toHaveLength(2);
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_2", last_event_id: 9 });
    hub.last.push({ type: "ready", last_event_id: 9, user_id: "user-1" });
    expect(client.state.status).toBe("online");
  });

  it("4401 token_expired with a refused refresh signs out instead of reconnecting", async () => {
    const { client, hub, fake, storage } = await makeClient({ lastEventId: 9 });
    fake.on("POST /api/v1/auth/refresh", () => ({ status: 401, body: { error: { code: "token_revoked", message: "", details: {} } } }));
    serverAccepts(hub.last, 9);
    hub.last.serverClose(4401, { code: "token_expired" });
    await tick(120_000);
    await client.flush();
    expect(client.state).toMatchObject({ status: "signed_out", reason: "token_revoked" });
    expect(hub.sockets).toHaveLength(1);
    expect(storage.getItem("portal.tokens")).toBeNull();
  });

  it("4403 shows the policy reason and stops until the app reconnects", async () => {
    const { client, hub } = await makeClient({ lastEventId: 0 });
    serverAccepts(hub.last, 0);
    hub.last.serverClose(4403, { code: "app_version_too_old", details: { reason: "app_version_too_old" } });
    expect(client.state).toMatchObject({
      status: "device_refused",
      reason: "app_version_too_old",
      error: { code: "app_version_too_old" },
    });
    await tick(120_000);
    expect(hub.sockets).toHaveLength(1);
    client.connect(); // after a check-in that fixed it
    await tick();
    expect(hub.sockets).toHaveLength(2);
  });

  it("4400 drops the stored id, reconnects at once without it and asks for a reload", async () => {
    const { client, hub, resyncs, storage } = await makeClient({ lastEventId: 77 });
    serverAccepts(hub.last, 10);
    hub.last.serverClose(4400, { code: "invalid_event_id" });
    await client.flush();
    expect(storage.getItem("portal.last_event_id")).toBeNull();
    await tick();
    expect(hub.sockets).toHaveLength(2);
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1" });
    hub.last.push({ type: "ready", last_event_id: 10, user_id: "user-1" });
    expect(resyncs).toEqual(["invalid_event_id"]);
    expect(client.lastDeliveredEventId).toBe(10);
  });

  it.each([
    [4408, "auth_timeout"],
    [4409, "resume_too_late"],
    [4429, null],
  ])("%i reconnects at once and resumes from the last delivered id", async (code, errorCode) => {
    const { client, hub } = await makeClient({ lastEventId: 5 });
    serverAccepts(hub.last, 8);
    hub.last.push(testEvent(8));
    hub.last.serverClose(code, errorCode ? { code: errorCode } : undefined);
    expect(client.state).toMatchObject({ status: "reconnecting", delayMs: 0, closeCode: code });
    await tick();
    expect(hub.sockets).toHaveLength(2);
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1", last_event_id: 8 });
  });

  it.each([
    [4503, "service_unavailable"],
    [1006, null],
    [1001, null],
    [1011, null],
  ])("%i reconnects after the back-off and resumes", async (code, errorCode) => {
    const { client, hub } = await makeClient({ lastEventId: 5 });
    serverAccepts(hub.last, 5);
    hub.last.serverClose(code, errorCode ? { code: errorCode } : undefined);
    // random() = 0.5 with 30 % jitter: 85 % of 1 s.
    expect(client.state).toMatchObject({ status: "reconnecting", attempt: 1, delayMs: 850, closeCode: code });
    expect(client.state).toMatchObject({ nextAttemptAt: START.getTime() + 850 });
    await tick(849);
    expect(hub.sockets).toHaveLength(1);
    await tick(1);
    expect(hub.sockets).toHaveLength(2);
    hub.last.open();
    expect(hub.last.sent[0]).toMatchObject({ last_event_id: 5 });
  });

  it.each([
    [4413, "frame_too_large"],
    [1009, null],
    [1002, null],
    [1007, null],
  ])("%i is reported as a client fault, then reconnects with back-off", async (code, errorCode) => {
    const { client, hub } = await makeClient({ lastEventId: 5 });
    const faults: { closeCode: number | null }[] = [];
    client.on("protocolError", (fault) => faults.push(fault));
    serverAccepts(hub.last, 5);
    hub.last.serverClose(code, errorCode ? { code: errorCode } : undefined);
    expect(faults.at(-1)).toMatchObject({ closeCode: code });
    expect(client.state).toMatchObject({ status: "reconnecting", delayMs: 850 });
    await tick(850);
    expect(hub.sockets).toHaveLength(2);
  });

  it("an error frame that does not close the socket is reported and changes nothing", async () => {
    const { client, hub } = await makeClient({ lastEventId: 5 });
    const faults: unknown[] = [];
    client.on("protocolError", (fault) => faults.push(fault));
    serverAccepts(hub.last, 5);
    hub.last.push({ type: "error", error: { code: "unknown_frame_type", message: "…", details: {} } });
    expect(faults).toHaveLength(1);
    expect(client.state.status).toBe("online");
  });
});

describe("a reconnect storm", () => {
  it("backs off up to the cap with jitter, never holds two sockets, and loses nothing", async () => {
    let r = 0;
    const randoms = [0, 0.99, 0.5, 0.25];
    const hub = new FakeSocketHub();
    const { client, events, states } = await makeClient({
      hub,
      lastEventId: 0,
      random: () => randoms[r++ % randoms.length]!,
    });
    // The server keeps accepting and dropping; each time it manages to send one event, twice.
    let nextId = 1;
    const delays: number[] = [];
    for (let drop = 0; drop < 50; drop++) {
      const socket = hub.last;
      expect(hub.live).toHaveLength(1);
      socket.open();
      const auth = socket.sent[0] as { last_event_id?: number };
      expect(auth.last_event_id).toBe(nextId - 1); // resumes after the last delivered event
      socket.push({ type: "ready", last_event_id: nextId, user_id: "user-1" });
      socket.push(testEvent(nextId));
      socket.push(testEvent(nextId)); // repeated
      nextId += 1;
      socket.serverClose(drop % 2 ? 1006 : 4503);
      const state = client.state;
      if (state.status !== "reconnecting") throw new Error(`unexpected state ${state.status}`);
      delays.push(state.delayMs);
      expect(hub.live).toHaveLength(0);
      await tick(state.delayMs);
      expect(hub.sockets).toHaveLength(drop + 2);
    }
    // Doubling from 1 s, capped at 60 s, each reduced by up to 30 % at random.
    const ceilings = delays.map((_, i) => Math.min(60_000, 1000 * 2 ** i));
    delays.forEach((delay, i) => {
      expect(delay).toBeLessThanOrEqual(ceilings[i]!);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(ceilings[i]! * 0.7));
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(60_000);
    expect(delays.slice(10).every((delay) => delay >= 42_000)).toBe(true); // capped, not growing
    expect(new Set(delays.slice(10)).size).toBeGreaterThan(1); // jitter applied
    expect(client.socketStats.maxOpen).toBe(1);

    // Recovery: the server sends the backlog, with repeats, and stays up.
    const socket = hub.last;
    socket.open();
    socket.push({ type: "ready", last_event_id: nextId + 4, user_id: "user-1" });
    for (const id of [nextId, nextId + 1, nextId, nextId + 2, nextId + 3, nextId + 4, nextId + 4]) socket.push(testEvent(id));
    const ids = events.map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: nextId + 4 }, (_, i) => i + 1));
    expect(states.filter((s) => s.status === "online")).toHaveLength(51);

    // Stable for 30 s: the next drop starts the back-off from 1 s again.
    await tick(30_000);
    socket.push({ type: "pong" });
    socket.serverClose(1006);
    expect(client.state).toMatchObject({ status: "reconnecting", attempt: 1 });
    expect((client.state as { delayMs: number }).delayMs).toBeLessThanOrEqual(1000);
  });

  it("networkAvailable() skips the wait, still with one socket", async () => {
    const { client, hub } = await makeClient({ lastEventId: 0 });
    serverAccepts(hub.last, 0);
    hub.last.serverClose(1006);
    client.networkAvailable();
    client.networkAvailable();
    await tick();
    expect(hub.sockets).toHaveLength(2);
    expect(hub.live).toHaveLength(1);
    await tick(120_000);
    expect(hub.sockets.length).toBeGreaterThanOrEqual(2);
    expect(client.socketStats.maxOpen).toBe(1);
  });
});

function tokenPairAt(n: number) {
  const now = Date.now();
  return {
    token_type: "Bearer",
    access_token: `pat_${n}`,
    access_expires_at: new Date(now + 3_600_000).toISOString(),
    refresh_token: `prt_${n}`,
    refresh_expires_at: new Date(now + 86_400_000).toISOString(),
    session_id: "session-1",
    device_id: "device-1",
    user: { id: "user-1", login: "ivanova" },
  };
}
