/** The app's side of topic streams: one conversation reloaded, topic ids kept apart from personal ones. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AppStore } from "./store.js";
import { ORIGIN, START, makeClient, message, tick } from "../realtime/harness.js";
import { FakeFetch, deferred, type FakeAnswer } from "../realtime/testing.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

function conversation(id: string, kind: string, lastSeq = 0) {
  return {
    id, kind, title: id, description: "", visibility: "private", comments_enabled: false, last_seq: lastSeq, role: "member",
    last_read_seq: 0, unread: 0, mentions: 0, pinned: false, archived: false, muted_until: null, last_message_at: null, peer_id: null, last_message: null,
  };
}

function syncAnswer(topics: Record<string, number>) {
  return {
    last_event_id: 50,
    topics,
    me: { id: "user-1", login: "me", time_zone: "Europe/Moscow", language: "ru", department: null },
    conversations: [conversation("news", "channel"), conversation("conv-1", "group")],
    presence: {},
    users: [],
  };
}

function post(seq: number) {
  return { ...message(`c-${seq}`, seq, "author"), id: `news-${seq}`, conversation_id: "news" };
}

const page = (seqs: number[]) => ({ results: seqs.map(post).reverse(), next: null, previous: null });

describe("topic streams in the app", () => {
  it("a topic resync reloads that conversation and its open history; the rest stays", async () => {
    let history = [1, 2];
    const fake = new FakeFetch(ORIGIN)
      .on("GET /api/v1/sync", () => ({ status: 200, body: syncAnswer({ "conversation:news": 2 }) }))
      .on("GET /api/v1/conversations/news", () => ({ status: 200, body: conversation("news", "channel", 9) }))
      .on("GET /api/v1/conversations/news/messages?limit=50", () => ({ status: 200, body: page(history) }));
    const { client, hub } = await makeClient({ fake, lastEventId: 50 });
    const store = new AppStore(client);
    store.start();
    await store.sync();
    expect(client.topicCursors).toEqual({ "conversation:news": 2 });
    await store.openTimeline("news");
    expect(store.getState().timelines["news"]!.messages.map((m) => m.seq)).toEqual([1, 2]);
    const other = store.getState().conversations["conv-1"];

    // Away longer than the topic keeps events: seven posts are gone from its stream.
    history = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    hub.last.open();
    hub.last.push({ type: "ready", last_event_id: 50, user_id: "user-1", topics: { "conversation:news": 9 } });
    hub.last.push({ type: "resync_required", topic: "conversation:news" });
    await tick();
    expect(store.getState().timelines["news"]!.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(store.getState().conversations["news"]!.last_seq).toBe(9);
    expect(store.getState().conversations["conv-1"]).toBe(other);
    expect(fake.callsTo("GET /api/v1/sync")).toHaveLength(1); // not a full reload
  });

  it("a topic event that came while the sync was loading is applied again when newer than the sync's topic head", async () => {
    const answer = deferred<FakeAnswer>();
    const fake = new FakeFetch(ORIGIN)
      .on("GET /api/v1/sync", () => answer.promise)
      .on("GET /api/v1/conversations/news/messages?limit=50", () => ({ status: 200, body: page([1]) }));
    const { client, hub } = await makeClient({ fake, lastEventId: 50 });
    const store = new AppStore(client);
    store.start();
    hub.last.open();
    hub.last.push({ type: "ready", last_event_id: 50, user_id: "user-1", topics: { "conversation:news": 1 } });
    const syncing = store.sync();
    await tick();
    // Topic id 2 is far below the personal id 50: only the topic's own head can judge it.
    hub.last.push({ type: "event", topic: "conversation:news", id: 2, event: { type: "message", op: "add", message: post(2) } });
    answer.resolve({ status: 200, body: syncAnswer({ "conversation:news": 1 }) });
    await syncing;
    expect(store.getState().conversations["news"]!.last_message?.id).toBe("news-2");
    expect(client.topicCursors).toEqual({ "conversation:news": 1 });
  });
});

describe("a history page that a sync overtook", () => {
  it("is loaded again, so a message sent meanwhile is not lost", async () => {
    let history = [1];
    const firstPage = deferred<FakeAnswer>();
    let pages = 0;
    const fake = new FakeFetch(ORIGIN)
      .on("GET /api/v1/sync", () => ({ status: 200, body: syncAnswer({ "conversation:news": 1 }) }))
      .on("GET /api/v1/conversations/news/messages?limit=50", () => {
        pages += 1;
        return pages === 1 ? firstPage.promise : { status: 200, body: page(history) };
      });
    const { client } = await makeClient({ fake, lastEventId: 50 });
    const store = new AppStore(client);
    store.start();
    await store.sync();
    const opening = store.openTimeline("news");
    await tick();
    // A message arrives and a sync answers while the first page is still on its way.
    history = [1, 2];
    await store.sync();
    firstPage.resolve({ status: 200, body: page([1]) });
    await opening;
    expect(pages).toBe(2);
    expect(store.getState().timelines["news"]!.messages.map((m) => m.seq)).toEqual([1, 2]);
  });
});
