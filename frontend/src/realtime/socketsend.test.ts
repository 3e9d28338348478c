/** Sending over the socket (`message.send` → `ack` / error frame), with REST as the fallback. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ORIGIN, START, makeClient, message, messageEvent, serverAccepts, tick, type Harness } from "./harness.js";
import type { OutgoingMessage } from "./outbox.js";
import { FakeFetch, type FakeRequest, type FakeWebSocket } from "./testing.js";
import type { Message, MessageSendFrame } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

const SEND = "POST /api/v1/conversations/conv-1/messages";

interface Sends {
  sent: { local: OutgoingMessage; message: Message }[];
  failed: OutgoingMessage[];
  protocolErrors: unknown[];
}

/** Online, with a REST route that stores by client_id as Portal does (for the fallbacks). */
async function online(): Promise<Harness & Sends & { rest: FakeRequest[] }> {
  const fake = new FakeFetch(ORIGIN);
  const stored = new Map<string, Message>();
  const rest: FakeRequest[] = [];
  fake.on(SEND, (request) => {
    rest.push(request);
    const body = request.body as { client_id: string };
    const existing = stored.get(body.client_id);
    if (existing) return { status: 200, body: existing };
    const created = message(body.client_id, stored.size + 1);
    stored.set(body.client_id, created);
    return { status: 201, body: created };
  });
  const harness = await makeClient({ fake, lastEventId: 0 });
  serverAccepts(harness.hub.last, 0);
  const sends: Sends = { sent: [], failed: [], protocolErrors: [] };
  harness.client.on("sent", (value) => sends.sent.push(value));
  harness.client.on("failed", (value) => sends.failed.push(value));
  harness.client.on("protocolError", (value) => sends.protocolErrors.push(value));
  return { ...harness, ...sends, rest };
}

function sendFrames(socket: FakeWebSocket): MessageSendFrame[] {
  return socket.sent.filter((frame): frame is MessageSendFrame => frame.type === "message.send");
}

describe("sending over the socket", () => {
  it("sends message.send with a ref and the client_id, and settles on the ack: no REST request", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "привет", { reply_to: "msg-0", attachment_ids: ["att-1"] });
    await tick();
    const [frame] = sendFrames(h.hub.last);
    expect(frame).toEqual({
      type: "message.send",
      ref: expect.stringMatching(/^.{1,64}$/),
      conversation_id: "conv-1",
      client_id: local.clientId,
      body: "привет",
      reply_to: "msg-0",
      attachment_ids: ["att-1"],
    });
    expect(h.client.pending[0]!.status).toBe("sending");
    const server = message(local.clientId, 1);
    h.hub.last.push({ type: "ack", ref: frame!.ref, status: 201, result: server });
    await tick();
    expect(h.sent).toEqual([{ local: expect.objectContaining({ clientId: local.clientId }), message: server }]);
    expect(h.client.pending).toEqual([]);
    expect(h.rest).toEqual([]);
    // The event that follows is only an event.
    h.hub.last.push(messageEvent(1, server));
    expect(h.sent).toHaveLength(1);
    expect(h.events.map((e) => e.id)).toEqual([1]);
  });

  it("an ack with 200 (the client_id was used already) confirms with the first message", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "again");
    await tick();
    const first = message(local.clientId, 7);
    h.hub.last.push({ type: "ack", ref: sendFrames(h.hub.last)[0]!.ref, status: 200, result: first });
    await tick();
    expect(h.sent.map((s) => s.message)).toEqual([first]);
  });

  it("the event before the ack confirms once; the ack changes nothing; the next message gets its own ref", async () => {
    const h = await online();
    const a = h.client.sendMessage("conv-1", "a");
    const b = h.client.sendMessage("conv-1", "b");
    await tick();
    const [frameA] = sendFrames(h.hub.last);
    h.hub.last.push(messageEvent(1, message(a.clientId, 1)));
    await tick();
    expect(h.sent.map((s) => s.local.clientId)).toEqual([a.clientId]);
    expect(sendFrames(h.hub.last)).toHaveLength(1); // one send at a time: b waits for a's answer
    h.hub.last.push({ type: "ack", ref: frameA!.ref, status: 201, result: message(a.clientId, 1) });
    await tick();
    expect(h.sent.map((s) => s.local.clientId)).toEqual([a.clientId]);
    const [, frameB] = sendFrames(h.hub.last);
    expect(frameB).toMatchObject({ client_id: b.clientId });
    expect(frameB!.ref).not.toBe(frameA!.ref);
    expect(h.client.pending.map((p) => p.clientId)).toEqual([b.clientId]);
  });

  it("an error frame with the ref fails the message with the server's reason; the socket stays open", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "x".repeat(10_001));
    const next = h.client.sendMessage("conv-1", "short");
    await tick();
    const body = { code: "invalid", message: "Слишком длинное сообщение", details: { body: ["too long"] } };
    h.hub.last.push({ type: "error", ref: sendFrames(h.hub.last)[0]!.ref, status: 400, error: body });
    await tick();
    expect(h.failed).toEqual([expect.objectContaining({ clientId: local.clientId, status: "failed", error: body })]);
    expect(h.protocolErrors).toEqual([]); // an answer, not a broken protocol
    expect(h.hub.last.isOpen).toBe(true);
    expect(h.client.state.status).toBe("online");
    expect(sendFrames(h.hub.last)[1]).toMatchObject({ client_id: next.clientId }); // the queue goes on
    expect(h.rest).toEqual([]);
  });

  it("404 (not a member) on the socket fails the message, as REST would", async () => {
    const h = await online();
    h.client.sendMessage("conv-1", "hello");
    await tick();
    const body = { code: "conversation_not_found", message: "Разговор не найден", details: {} };
    h.hub.last.push({ type: "error", ref: sendFrames(h.hub.last)[0]!.ref, status: 404, error: body });
    await tick();
    expect(h.client.pending[0]).toMatchObject({ status: "failed", error: body });
  });

  it("429 retries after the delay the server gives, with the same client_id and a fresh ref", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "fast");
    await tick();
    const [first] = sendFrames(h.hub.last);
    h.hub.last.push({
      type: "error",
      ref: first!.ref,
      status: 429,
      error: { code: "throttled", message: "Слишком часто", details: { retry_after: 3 } },
    });
    await tick();
    expect(h.client.pending[0]).toMatchObject({ status: "retrying", nextAttemptAt: START.getTime() + 3000 });
    expect(h.failed).toEqual([]);
    await tick(2999);
    expect(sendFrames(h.hub.last)).toHaveLength(1);
    await tick(1);
    const [, second] = sendFrames(h.hub.last);
    expect(second).toMatchObject({ client_id: local.clientId, body: "fast" });
    expect(second!.ref).not.toBe(first!.ref);
    h.hub.last.push({ type: "ack", ref: second!.ref, status: 201, result: message(local.clientId, 1) });
    await tick();
    expect(h.sent).toHaveLength(1);
  });

  it("429 without a delay backs off as for REST", async () => {
    const h = await online();
    h.client.sendMessage("conv-1", "fast");
    await tick();
    h.hub.last.push({ type: "error", ref: sendFrames(h.hub.last)[0]!.ref, status: 429, error: { code: "throttled", message: "", details: {} } });
    await tick();
    // 1 s less the jitter (random() is 0.5 here: 15 %), as after a REST 429.
    expect(h.client.pending[0]).toMatchObject({ status: "retrying", nextAttemptAt: START.getTime() + 850 });
    await tick(849);
    expect(sendFrames(h.hub.last)).toHaveLength(1);
    await tick(1);
    expect(sendFrames(h.hub.last)).toHaveLength(2);
  });

  it("no ack within 10 s: the same client_id over REST, once; an ack arriving later changes nothing", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "slow");
    await tick(9_999);
    expect(h.rest).toEqual([]);
    await tick(1);
    expect(h.rest.map((r) => r.body)).toEqual([{ client_id: local.clientId, body: "slow" }]);
    expect(h.sent.map((s) => s.message.client_id)).toEqual([local.clientId]);
    h.hub.last.push({ type: "ack", ref: sendFrames(h.hub.last)[0]!.ref, status: 201, result: message(local.clientId, 1) });
    h.hub.last.push({ type: "error", ref: sendFrames(h.hub.last)[0]!.ref, status: 400, error: { code: "x", message: "", details: {} } });
    await tick();
    expect(h.sent).toHaveLength(1);
    expect(h.failed).toEqual([]);
    expect(h.protocolErrors).toEqual([]);
    expect(sendFrames(h.hub.last)).toHaveLength(1);
  });

  it("the socket closes before the ack: the same client_id over REST at once", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "cut off");
    await tick();
    expect(sendFrames(h.hub.last)).toHaveLength(1);
    h.hub.last.serverClose(1006);
    await tick();
    expect(h.rest.map((r) => (r.body as { client_id: string }).client_id)).toEqual([local.clientId]);
    expect(h.sent.map((s) => s.local.clientId)).toEqual([local.clientId]);
    expect(h.client.pending).toEqual([]);
  });

  it("a server that does not take message.send (unknown_frame_type, no ref): REST at once", async () => {
    const h = await online();
    const local = h.client.sendMessage("conv-1", "old server");
    await tick();
    h.hub.last.push({ type: "error", error: { code: "unknown_frame_type", message: "", details: { type: "message.send" } } });
    await tick();
    expect(h.rest.map((r) => (r.body as { client_id: string }).client_id)).toEqual([local.clientId]);
    expect(h.sent).toHaveLength(1);
  });

  it("offline: queued; sent over the socket once it is online again", async () => {
    const h = await online();
    h.hub.last.serverClose(1006);
    const local = h.client.sendMessage("conv-1", "later");
    await tick();
    expect(h.client.pending[0]!.status).toBe("queued");
    expect(h.rest).toEqual([]);
    await tick(1000);
    serverAccepts(h.hub.last, 0);
    await tick();
    const [frame] = sendFrames(h.hub.last);
    expect(frame).toMatchObject({ client_id: local.clientId, body: "later" });
    h.hub.last.push({ type: "ack", ref: frame!.ref, status: 201, result: message(local.clientId, 1) });
    await tick();
    expect(h.sent).toHaveLength(1);
    expect(h.rest).toEqual([]);
  });
});
