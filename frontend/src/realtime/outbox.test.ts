import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ORIGIN, START, makeClient, message, messageEvent, serverAccepts, tick, type Harness } from "./harness.js";
import type { OutgoingMessage } from "./outbox.js";
import {
  FakeFetch,
  FakeNetworkFailure,
  deferred,
  error,
  serverWithoutSocketSend,
  type FakeAnswer,
  type FakeRequest,
} from "./testing.js";
import type { Message } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

/*
 * These tests drive the REST path of sending: the server here does not take `message.send`
 * on the socket, as when a socket send gets no answer (socketsend.test.ts) and the outbox
 * goes on over REST with the same client_id. Queueing, ordering and retries are the same
 * whichever way a message goes.
 */
const SEND = "POST /api/v1/conversations/conv-1/messages";

function track(harness: Harness): { sent: { local: OutgoingMessage; message: Message }[]; failed: OutgoingMessage[] } {
  const sent: { local: OutgoingMessage; message: Message }[] = [];
  const failed: OutgoingMessage[] = [];
  harness.client.on("sent", (value) => sent.push(value));
  harness.client.on("failed", (value) => failed.push(value));
  return { sent, failed };
}

/** A server that stores messages by client_id, like Portal: a repeat returns the first. */
function messageServer(fake: FakeFetch): Map<string, Message> {
  const stored = new Map<string, Message>();
  fake.on(SEND, (request: FakeRequest) => {
    const body = request.body as { client_id: string };
    const existing = stored.get(body.client_id);
    if (existing) return { status: 200, body: existing };
    const created = message(body.client_id, stored.size + 1);
    stored.set(body.client_id, created);
    return { status: 201, body: created };
  });
  return stored;
}

describe("optimistic sends", () => {
  it("returns a pending message at once and confirms it from the answer", async () => {
    const fake = new FakeFetch(ORIGIN);
    messageServer(fake);
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    const local = harness.client.sendMessage("conv-1", "привет", { reply_to: "msg-0" });
    // Online, so its POST started at once.
    expect(local).toMatchObject({ conversationId: "conv-1", body: "привет", status: "sending" });
    expect(local.clientId).toMatch(/^cid-/);
    await tick();
    expect(fake.callsTo(SEND)[0]!.body).toEqual({ client_id: local.clientId, body: "привет", reply_to: "msg-0" });
    expect(fake.callsTo(SEND)[0]!.headers["Authorization"]).toBe("Bearer pat_1");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.local.clientId).toBe(local.clientId);
    expect(sent[0]!.message.client_id).toBe(local.clientId);
    expect(harness.client.pending).toEqual([]);
  });

  it("event before response: confirmed by the event once; the late answer changes nothing", async () => {
    const fake = new FakeFetch(ORIGIN);
    const answer = deferred<FakeAnswer>();
    fake.on(SEND, () => answer.promise);
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    const outboxSizes: number[] = [];
    harness.client.on("outbox", (items) => outboxSizes.push(items.length));
    const local = harness.client.sendMessage("conv-1", "hello");
    await tick();
    const server = message(local.clientId, 1);
    harness.hub.last.push(messageEvent(1, server));
    expect(sent).toHaveLength(1);
    expect(harness.client.pending).toEqual([]);
    expect(harness.events.map((e) => e.id)).toEqual([1]);
    answer.resolve({ status: 201, body: server });
    await tick();
    expect(sent).toHaveLength(1);
    expect(harness.client.pending).toEqual([]);
    expect(fake.callsTo(SEND)).toHaveLength(1);
    expect(outboxSizes.at(-1)).toBe(0);
  });

  it("response before event: confirmed by the answer once; the event is only an event", async () => {
    const fake = new FakeFetch(ORIGIN);
    messageServer(fake);
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    const local = harness.client.sendMessage("conv-1", "hello");
    await tick();
    expect(sent).toHaveLength(1);
    harness.hub.last.push(messageEvent(1, sent[0]!.message));
    harness.hub.last.push(messageEvent(1, sent[0]!.message)); // repeated
    expect(sent).toHaveLength(1);
    expect(harness.events).toHaveLength(1);
    expect(sent[0]!.local.clientId).toBe(local.clientId);
  });

  it("an event for someone else's message with the same client_id confirms nothing", async () => {
    const fake = new FakeFetch(ORIGIN);
    fake.on(SEND, () => deferred<FakeAnswer>().promise);
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    const local = harness.client.sendMessage("conv-1", "hello");
    await tick();
    harness.hub.last.push(messageEvent(1, message(local.clientId, 1, "user-2")));
    expect(sent).toHaveLength(0);
    expect(harness.client.pending).toHaveLength(1);
  });

  it("honours Retry-After on 503 and retries with the same client_id", async () => {
    const fake = new FakeFetch(ORIGIN);
    const stored = messageServer(fake);
    const accept = fake["handlers"].get(SEND)!;
    let outage = 2;
    fake.on(SEND, (request) =>
      outage-- > 0
        ? { status: 503, body: error("service_unavailable", { retry_after: 7 }), headers: { "Retry-After": "7" } }
        : accept(request),
    );
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    const local = harness.client.sendMessage("conv-1", "hello");
    await tick();
    expect(fake.callsTo(SEND)).toHaveLength(1);
    expect(harness.client.pending[0]).toMatchObject({
      status: "retrying",
      nextAttemptAt: START.getTime() + 7000,
      error: { code: "service_unavailable" },
    });
    await tick(6_999);
    expect(fake.callsTo(SEND)).toHaveLength(1);
    await tick(1);
    expect(fake.callsTo(SEND)).toHaveLength(2);
    await tick(7_000);
    expect(fake.callsTo(SEND)).toHaveLength(3);
    expect(fake.callsTo(SEND).every((call) => (call.body as { client_id: string }).client_id === local.clientId)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(stored.size).toBe(1);
  });

  it("retries network errors, 5xx and 429 with back-off; the retry is idempotent", async () => {
    const fake = new FakeFetch(ORIGIN);
    const stored = messageServer(fake);
    const accept = fake["handlers"].get(SEND)!;
    const failures: (() => FakeAnswer)[] = [
      () => {
        throw new FakeNetworkFailure();
      },
      () => ({ status: 500 }),
      () => ({ status: 429, body: error("throttled", { retry_after: 3 }), headers: { "Retry-After": "3" } }),
      (): FakeAnswer => {
        // The server stored it, but the answer was lost on the way.
        accept(fake.calls.at(-1)!);
        throw new FakeNetworkFailure();
      },
    ];
    fake.on(SEND, (request) => (failures.length ? failures.shift()!() : accept(request)));
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    harness.client.sendMessage("conv-1", "hello");
    await tick();
    expect(harness.client.pending[0]!.nextAttemptAt).toBe(START.getTime() + 850); // 1 s − jitter
    await tick(850);
    expect(harness.client.pending[0]!.nextAttemptAt! - Date.now()).toBe(1700); // 2 s − jitter
    await tick(1700);
    expect(harness.client.pending[0]!.nextAttemptAt! - Date.now()).toBe(3000); // Retry-After
    await tick(3000);
    await tick(60_000);
    expect(fake.callsTo(SEND)).toHaveLength(5);
    expect(sent).toHaveLength(1);
    expect(stored.size).toBe(1);
    expect(sent[0]!.message.seq).toBe(1);
  });

  it("stops on a 4xx and marks the message failed; the next ones still go; retry and discard", async () => {
    const fake = new FakeFetch(ORIGIN);
    messageServer(fake);
    const accept = fake["handlers"].get(SEND)!;
    fake.on(SEND, (request) =>
      (request.body as { body: string }).body === "forbidden"
        ? { status: 403, body: error("posting_not_allowed") }
        : accept(request),
    );
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent, failed } = track(harness);
    const bad = harness.client.sendMessage("conv-1", "forbidden");
    harness.client.sendMessage("conv-1", "fine");
    await tick();
    await tick();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ clientId: bad.clientId, status: "failed", error: { code: "posting_not_allowed" } });
    expect(sent.map((s) => s.local.body)).toEqual(["fine"]);
    expect(fake.callsTo(SEND).filter((c) => (c.body as { body: string }).body === "forbidden")).toHaveLength(1);
    expect(harness.client.pending).toMatchObject([{ clientId: bad.clientId, status: "failed" }]);
    harness.client.retrySend(bad.clientId);
    await tick();
    expect(fake.callsTo(SEND).filter((c) => (c.body as { body: string }).body === "forbidden")).toHaveLength(2);
    harness.client.discardSend(bad.clientId);
    expect(harness.client.pending).toEqual([]);
  });
});

describe("the offline queue", () => {
  it("a device refusal keeps the message queued until the device is allowed again", async () => {
    const fake = new FakeFetch(ORIGIN);
    messageServer(fake);
    const accept = fake["handlers"].get(SEND)!;
    let refused = true;
    fake.on(SEND, (request) =>
      refused ? { status: 403, body: error("network_not_allowed", { reason: "network_not_allowed" }) } : accept(request),
    );
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent, failed } = track(harness);
    harness.client.sendMessage("conv-1", "from the VPN");
    await tick();
    expect(harness.client.state).toMatchObject({ status: "device_refused", reason: "network_not_allowed" });
    expect(failed).toEqual([]);
    expect(harness.client.pending).toMatchObject([{ status: "queued", error: { code: "network_not_allowed" } }]);
    refused = false;
    harness.client.connect();
    await tick();
    serverAccepts(harness.hub.last, 0);
    await tick();
    expect(sent.map((s) => s.local.body)).toEqual(["from the VPN"]);
  });

  it("keeps sends made offline, survives a reload and drains them in order", async () => {
    const fake = new FakeFetch(ORIGIN);
    const stored = messageServer(fake);
    const first = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    // Offline: the socket never came up.
    first.hub.last.serverClose(1006);
    const bodies = ["one", "two", "three"];
    const locals = bodies.map((body) => first.client.sendMessage("conv-1", body));
    await tick();
    expect(fake.callsTo(SEND)).toHaveLength(0);
    expect(first.client.pending.map((m) => m.status)).toEqual(["queued", "queued", "queued"]);
    await first.client.flush();
    first.client.dispose(); // the page reloads

    const second = await makeClient({ fake, hub: serverWithoutSocketSend(), storage: first.storage });
    const { sent } = track(second);
    expect(second.client.pending.map((m) => m.body)).toEqual(bodies);
    expect(fake.callsTo(SEND)).toHaveLength(0);
    serverAccepts(second.hub.last, 0);
    await tick();
    expect(fake.callsTo(SEND).map((call) => call.body)).toEqual(
      locals.map((local, i) => ({ client_id: local.clientId, body: bodies[i] })),
    );
    expect(sent.map((s) => s.message.seq)).toEqual([1, 2, 3]);
    expect(stored.size).toBe(3);
    await second.client.flush();
    expect(second.storage.getItem("portal.outbox")).toBe("[]");
  });

  it("sends one at a time: a message waits while the one before it retries", async () => {
    const fake = new FakeFetch(ORIGIN);
    messageServer(fake);
    const accept = fake["handlers"].get(SEND)!;
    let down = true;
    fake.on(SEND, (request) => (down ? { status: 503, headers: { "Retry-After": "10" } } : accept(request)));
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    harness.client.sendMessage("conv-1", "first");
    await tick();
    harness.client.sendMessage("conv-1", "second");
    await tick(5_000);
    expect(fake.callsTo(SEND).map((c) => (c.body as { body: string }).body)).toEqual(["first"]);
    down = false;
    await tick(5_000);
    expect(sent.map((s) => s.local.body)).toEqual(["first", "second"]);
  });

  it("a send interrupted by a reload goes again with the same client_id: shown once", async () => {
    const fake = new FakeFetch(ORIGIN);
    const stored = messageServer(fake);
    const accept = fake["handlers"].get(SEND)!;
    const hang = deferred<FakeAnswer>();
    let firstTry = true;
    fake.on(SEND, (request) => {
      if (firstTry) {
        firstTry = false;
        accept(request); // the server got it ...
        return hang.promise; // ... but the page reloads before the answer
      }
      return accept(request);
    });
    const first = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(first.hub.last, 0);
    const local = first.client.sendMessage("conv-1", "once");
    await tick();
    await first.client.flush();
    first.client.dispose();
    expect(JSON.parse(first.storage.getItem("portal.outbox")!)[0].status).toBe("sending");

    const second = await makeClient({ fake, hub: serverWithoutSocketSend(), storage: first.storage });
    const { sent } = track(second);
    expect(second.client.pending[0]!.status).toBe("queued");
    serverAccepts(second.hub.last, 0);
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.local.clientId).toBe(local.clientId);
    expect(stored.size).toBe(1);
  });

  it("pauses while the socket is down and resumes when it is back", async () => {
    const fake = new FakeFetch(ORIGIN);
    messageServer(fake);
    const harness = await makeClient({ fake, hub: serverWithoutSocketSend(), lastEventId: 0 });
    serverAccepts(harness.hub.last, 0);
    const { sent } = track(harness);
    harness.hub.last.serverClose(1006);
    harness.client.sendMessage("conv-1", "later");
    await tick(500);
    expect(fake.callsTo(SEND)).toHaveLength(0);
    await tick(500);
    serverAccepts(harness.hub.last, 0);
    await tick();
    expect(sent.map((s) => s.local.body)).toEqual(["later"]);
  });
});
