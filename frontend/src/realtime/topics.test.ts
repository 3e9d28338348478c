/** Topic streams of broadcast channels: a cursor per topic beside the personal one. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { TopicResync } from "./client.js";
import { START, makeClient, testEvent, tick, type Harness, type HarnessOptions } from "./harness.js";
import { MemoryStorage } from "./env.js";
import type { FakeSocketHub } from "./testing.js";
import { CloseCode } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

const NEWS = "conversation:news";
const ORDERS = "conversation:orders";

function topicEvent(topic: string, id: number): Record<string, unknown> {
  return { type: "event", topic, id, event: { type: "test", op: "ping" } };
}

function follow(id: number, topic: string, after: number): Record<string, unknown> {
  return { type: "event", id, event: { type: "stream", op: "follow", topic, after } };
}

function unfollow(id: number, topic: string): Record<string, unknown> {
  return { type: "event", id, event: { type: "stream", op: "unfollow", topic } };
}

/** A client whose storage already has these positions (as a reload finds them). */
async function clientWith(
  lastEventId: number | undefined,
  topics: Record<string, number> | null,
  options: HarnessOptions = {},
): Promise<Harness & { topicResyncs: TopicResync[] }> {
  const storage = options.storage ?? new MemoryStorage();
  if (topics) storage.setItem("portal.topic_cursors", JSON.stringify(topics));
  const harness = await makeClient({ ...options, storage, ...(lastEventId === undefined ? {} : { lastEventId }) });
  const topicResyncs: TopicResync[] = [];
  harness.client.on("topicResync", (value) => topicResyncs.push(value));
  return { ...harness, topicResyncs };
}

function ready(hub: FakeSocketHub, head: number, topics: Record<string, number>): void {
  hub.last.open();
  hub.last.push({ type: "ready", last_event_id: head, user_id: "user-1", topics });
}

describe("topic cursors", () => {
  it("are sent with the personal one, advanced by topic events, persisted, and resumed after a reload", async () => {
    const first = await clientWith(10, { [NEWS]: 5 });
    first.hub.last.open();
    expect(first.hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1", last_event_id: 10, topics: { [NEWS]: 5 } });
    first.hub.last.push({ type: "ready", last_event_id: 10, user_id: "user-1", topics: { [NEWS]: 7 } });
    first.hub.last.push(topicEvent(NEWS, 6));
    first.hub.last.push(topicEvent(NEWS, 7));
    expect(first.events).toEqual([
      { id: 6, topic: NEWS, event: { type: "test", op: "ping" } },
      { id: 7, topic: NEWS, event: { type: "test", op: "ping" } },
    ]);
    expect(first.client.topicCursors).toEqual({ [NEWS]: 7 });
    expect(first.client.lastDeliveredEventId).toBe(10); // the personal cursor is another count
    expect(first.topicResyncs).toEqual([]); // it had a cursor: the server sent what was missed
    await first.client.flush();
    first.client.dispose();
    expect(JSON.parse(first.storage.getItem("portal.topic_cursors")!)).toEqual({ [NEWS]: 7 });

    const second = await clientWith(undefined, null, { storage: first.storage });
    second.hub.last.open();
    expect(second.hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1", last_event_id: 10, topics: { [NEWS]: 7 } });
  });

  it("deliver each topic event once: repeats and older ids of that topic are dropped, other streams unaffected", async () => {
    const { hub, events } = await clientWith(100, { [NEWS]: 50, [ORDERS]: 3 });
    ready(hub, 100, { [NEWS]: 50, [ORDERS]: 3 });
    for (const id of [49, 50, 51, 51, 53, 52, 53]) hub.last.push(topicEvent(NEWS, id));
    hub.last.push(topicEvent(ORDERS, 4)); // below NEWS's ids: a count of its own
    hub.last.push(testEvent(101)); // and the personal stream's
    hub.last.push(topicEvent(ORDERS, 4));
    expect(events.map((e) => `${e.topic ?? "me"}:${e.id}`)).toEqual([
      `${NEWS}:51`,
      `${NEWS}:53`,
      `${ORDERS}:4`,
      "me:101",
    ]);
  });

  it("ready: a topic without a cursor starts at its head and its conversation is reloaded; unlisted topics are dropped", async () => {
    const { client, hub, resyncs, topicResyncs } = await clientWith(10, { [NEWS]: 5, "conversation:left": 9 });
    ready(hub, 10, { [NEWS]: 8, [ORDERS]: 40 });
    expect(client.topicCursors).toEqual({ [NEWS]: 5, [ORDERS]: 40 });
    expect(topicResyncs).toEqual([{ topic: ORDERS, conversationId: "orders", reason: "new" }]);
    expect(resyncs).toEqual([]); // the rest of the state stands
    hub.last.push(topicEvent(ORDERS, 40));
    hub.last.push(topicEvent(ORDERS, 41));
    hub.last.push(topicEvent(NEWS, 6));
    expect(client.topicCursors).toEqual({ [NEWS]: 6, [ORDERS]: 41 });
  });

  it("without a personal cursor no topics are sent; ready's heads become the cursors and one full reload covers them", async () => {
    const { client, hub, resyncs, topicResyncs } = await clientWith(undefined, { [NEWS]: 5 });
    expect(client.topicCursors).toEqual({}); // kept without a personal position: meaningless
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1" });
    hub.last.push({ type: "ready", last_event_id: 30, user_id: "user-1", topics: { [NEWS]: 8 } });
    expect(client.topicCursors).toEqual({ [NEWS]: 8 });
    expect(resyncs).toEqual(["initial"]);
    expect(topicResyncs).toEqual([]);
  });

  it("stream.follow sets the topic's cursor to `after`; stream.unfollow drops the topic", async () => {
    const { client, hub, events } = await clientWith(10, null);
    ready(hub, 10, {});
    hub.last.push(follow(11, NEWS, 800));
    expect(client.topicCursors).toEqual({ [NEWS]: 800 });
    expect(events.at(-1)).toEqual({ id: 11, event: { type: "stream", op: "follow", topic: NEWS, after: 800 } });
    hub.last.push(topicEvent(NEWS, 800)); // not after `after`
    hub.last.push(topicEvent(NEWS, 801));
    expect(events.filter((e) => e.topic).map((e) => e.id)).toEqual([801]);
    hub.last.push(unfollow(12, NEWS));
    expect(client.topicCursors).toEqual({});
    // The next socket resumes without it.
    hub.last.serverClose(1006);
    await tick(1000);
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1", last_event_id: 12 });
  });

  it("a follow replayed after ready already gave the topic's head does not move the cursor back", async () => {
    // Joined on another device while this one was away: ready lists the topic (no cursor
    // here, so it starts at the head), then the missed personal follow event arrives.
    const { client, hub, topicResyncs } = await clientWith(10, null);
    ready(hub, 11, { [NEWS]: 812 });
    expect(topicResyncs.map((r) => r.topic)).toEqual([NEWS]);
    hub.last.push(follow(11, NEWS, 800));
    expect(client.topicCursors).toEqual({ [NEWS]: 812 });
  });

  it("resync_required for a topic reloads that conversation only and goes on from the topic's head", async () => {
    const { client, hub, resyncs, topicResyncs, events } = await clientWith(10, { [NEWS]: 5, [ORDERS]: 3 });
    ready(hub, 10, { [NEWS]: 900, [ORDERS]: 3 });
    hub.last.push({ type: "resync_required", topic: NEWS });
    expect(topicResyncs).toEqual([{ topic: NEWS, conversationId: "news", reason: "resync_required" }]);
    expect(resyncs).toEqual([]);
    expect(client.topicCursors).toEqual({ [NEWS]: 900, [ORDERS]: 3 });
    expect(client.lastDeliveredEventId).toBe(10);
    hub.last.push(topicEvent(NEWS, 901));
    expect(events.map((e) => e.id)).toEqual([901]);
    // Without a topic it is the whole state, as before.
    hub.last.push({ type: "resync_required" });
    expect(resyncs).toEqual(["resync_required"]);
  });

  it("GET /sync's topics replace the cursors after a full reload", async () => {
    const { client, hub } = await clientWith(10, { [NEWS]: 5, "conversation:left": 2 });
    ready(hub, 10, { [NEWS]: 5, "conversation:left": 2 });
    client.setResumePoint(20, { [NEWS]: 30, [ORDERS]: 7 });
    expect(client.topicCursors).toEqual({ [NEWS]: 30, [ORDERS]: 7 });
    client.setResumePoint(21); // a server without topics leaves them
    expect(client.topicCursors).toEqual({ [NEWS]: 30, [ORDERS]: 7 });
  });

  it("an invalid cursor (close 4400) drops every cursor; the next socket starts from the heads", async () => {
    const { client, hub, resyncs } = await clientWith(10, { [NEWS]: 99_999 });
    hub.last.open();
    hub.last.serverClose(CloseCode.BAD_EVENT_ID, { code: "invalid_event_id" });
    expect(client.topicCursors).toEqual({});
    await tick();
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1" });
    hub.last.push({ type: "ready", last_event_id: 12, user_id: "user-1", topics: { [NEWS]: 40 } });
    expect(resyncs).toEqual(["invalid_event_id"]);
    expect(client.topicCursors).toEqual({ [NEWS]: 40 });
  });

  it("are deleted with the session", async () => {
    const harness = await clientWith(10, { [NEWS]: 5 });
    ready(harness.hub, 10, { [NEWS]: 5 });
    harness.fake.on("POST /api/v1/auth/logout", () => ({ status: 204 }));
    await harness.client.signOut();
    await harness.client.flush();
    expect(harness.storage.getItem("portal.topic_cursors")).toBeNull();
    expect(harness.client.topicCursors).toEqual({});
  });
});
