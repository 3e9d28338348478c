import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AppStore } from "../../app/store.js";
import { ORIGIN, START, makeClient, message, serverAccepts, tick } from "../../realtime/harness.js";
import { FakeFetch } from "../../realtime/testing.js";

const COUNT = "GET /api/v1/notifications?unread=true&limit=200";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

function sync() {
  const conversation = (id: string, kind: string) => ({
    id, kind, title: "", description: "", visibility: "private", comments_enabled: false, last_seq: 0, role: "member",
    last_read_seq: 0, unread: 0, mentions: 0, pinned: false, archived: false, muted_until: null, last_message_at: null, peer_id: null, last_message: null,
  });
  return {
    last_event_id: 5,
    me: { id: "user-1", login: "me", time_zone: "Europe/Moscow", department: null },
    conversations: [conversation("conv-1", "direct"), conversation("conv-2", "group")],
    presence: {},
    users: [],
  };
}

describe("the unread notifications count", () => {
  it("is loaded after the sync and again, once, after a burst of messages for me", async () => {
    let unread = 2;
    const fake = new FakeFetch(ORIGIN)
      .on("GET /api/v1/sync", () => ({ status: 200, body: sync() }))
      .on(COUNT, () => ({ status: 200, body: { results: Array.from({ length: unread }, (_, i) => ({ id: i })), next: unread > 200 ? "c" : null, previous: null } }));
    const { client, hub } = await makeClient({ fake });
    const store = new AppStore(client);
    store.start();
    await store.sync();
    await tick();
    expect(store.getState().notifications).toEqual({ unread: 2, more: false });

    serverAccepts(hub.last, 5);
    unread = 3;
    const push = (id: number, conversationId: string, author: string) =>
      hub.last.push({ type: "event", id, event: { type: "message", op: "add", message: { ...message(`c-${id}`, id, author), conversation_id: conversationId } } });
    push(6, "conv-2", "other"); // a group message without a mention: nothing to count
    push(7, "conv-1", "user-1"); // my own
    await tick(2000);
    expect(fake.callsTo(COUNT)).toHaveLength(1);

    push(8, "conv-1", "other");
    push(9, "conv-1", "other");
    await tick(2000);
    expect(fake.callsTo(COUNT)).toHaveLength(2);
    expect(store.getState().notifications).toEqual({ unread: 3, more: false });
  });
});
