import { describe, expect, it } from "vitest";
import { applyEvent } from "./events.js";
import type { Conversation, Message } from "./model.js";
import { initialState, type AppState } from "./store.js";
import { testMessage } from "./testing.js";

const ME = "user-me";
const OTHER = "user-other";

const message = (seq: number, fields: Partial<Message> = {}) => testMessage(seq, fields, OTHER);

function conversation(fields: Partial<Conversation> = {}): Conversation {
  return {
    id: "c-1",
    kind: "group",
    title: "Штаб",
    description: "",
    visibility: "private",
    comments_enabled: false,
    edit_window_seconds: 172_800,
    last_seq: 2,
    role: "member",
    last_read_seq: 2,
    unread: 0,
    mentions: 0,
    pinned: false,
    archived: false,
    muted_until: null,
    last_message_at: null,
    peer_id: null,
    last_message: message(2),
    ...fields,
  };
}

function state(fields: Partial<AppState> = {}): AppState {
  return {
    ...initialState({ status: "online", userId: ME, headEventId: 0 }),
    synced: true,
    me: { id: ME, login: "me" } as AppState["me"],
    conversations: { "c-1": conversation() },
    timelines: { "c-1": { messages: [message(1), message(2)], olderCursor: null, newerCursor: null, loaded: true, loading: false, error: null } },
    ...fields,
  };
}

describe("applyEvent", () => {
  it("adds a message once, however often it is applied", () => {
    const add = { type: "message", op: "add", message: message(3) };
    const once = applyEvent(state(), add);
    const twice = applyEvent(once, add);
    expect(twice.timelines["c-1"]!.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(twice.conversations["c-1"]).toMatchObject({ last_seq: 3, unread: 1, last_message: { id: "m-3" } });
  });

  it("my own message moves my read position, so it is not unread", () => {
    const next = applyEvent(state(), { type: "message", op: "add", message: message(3, { author_id: ME }) });
    expect(next.conversations["c-1"]).toMatchObject({ last_seq: 3, last_read_seq: 3, unread: 0 });
  });

  it("a thread reply counts as unread but stays out of the main timeline and the preview", () => {
    const next = applyEvent(state(), { type: "message", op: "add", message: message(3, { thread_root: "m-1" }) });
    expect(next.timelines["c-1"]!.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(next.conversations["c-1"]).toMatchObject({ unread: 1, last_message: { id: "m-2" } });
  });

  it("an edit replaces the message and the preview; an edit outside the loaded window is ignored", () => {
    const edited = message(2, { body: "new", edit_count: 1 });
    const next = applyEvent(state(), { type: "message", op: "update", message: edited });
    expect(next.timelines["c-1"]!.messages[1]!.body).toBe("new");
    expect(next.conversations["c-1"]!.last_message!.body).toBe("new");
    const windowed = state({ timelines: { "c-1": { messages: [message(10)], olderCursor: "9", newerCursor: null, loaded: true, loading: false, error: null } } });
    const after = applyEvent(windowed, { type: "message", op: "update", message: message(3, { body: "old one" }) });
    expect(after.timelines["c-1"]!.messages.map((m) => m.seq)).toEqual([10]);
  });

  it("hiding removes the message from the timeline", () => {
    const next = applyEvent(state(), { type: "hidden_message", op: "add", conversation_id: "c-1", message_id: "m-1" });
    expect(next.timelines["c-1"]!.messages.map((m) => m.id)).toEqual(["m-2"]);
  });

  it("read.update: mine clears the count, another member's is a read receipt, old ones change nothing", () => {
    const unread = state({ conversations: { "c-1": conversation({ last_seq: 5, unread: 3, last_read_seq: 2, mentions: 1 }) } });
    const read = applyEvent(unread, { type: "read", op: "update", conversation_id: "c-1", user_id: ME, seq: 5 });
    expect(read.conversations["c-1"]).toMatchObject({ last_read_seq: 5, unread: 0, mentions: 0 });
    expect(applyEvent(read, { type: "read", op: "update", conversation_id: "c-1", user_id: ME, seq: 4 })).toBe(read);
    const receipt = applyEvent(read, { type: "read", op: "update", conversation_id: "c-1", user_id: OTHER, seq: 4 });
    expect(receipt.readers["c-1"]).toEqual({ [OTHER]: 4 });
    expect(applyEvent(receipt, { type: "read", op: "update", conversation_id: "c-1", user_id: OTHER, seq: 3 })).toBe(receipt);
  });

  it("reactions are counted once per user and emoji", () => {
    const add = { type: "reaction", op: "add", conversation_id: "c-1", message_id: "m-2", user_id: OTHER, emoji: "👍" };
    const twice = applyEvent(applyEvent(state(), add), add);
    expect(twice.timelines["c-1"]!.messages[1]!["reactions"]).toEqual([{ emoji: "👍", count: 1, user_ids: [OTHER] }]);
    const removed = applyEvent(twice, { ...add, op: "remove" });
    expect(removed.timelines["c-1"]!.messages[1]!["reactions"]).toEqual([]);
  });

  it("being removed from a conversation drops it; being added adds it", () => {
    const removed = applyEvent(state(), { type: "membership", op: "remove", conversation: conversation(), user_id: ME });
    expect(removed.conversations["c-1"]).toBeUndefined();
    expect(removed.timelines["c-1"]).toBeUndefined();
    const added = applyEvent(removed, { type: "membership", op: "add", conversation: { id: "c-1", kind: "group", title: "Штаб", last_seq: 7 }, user_id: ME });
    expect(added.conversations["c-1"]).toMatchObject({ title: "Штаб", last_read_seq: 7, unread: 0, role: "member" });
    // one event for many users: I am among them, not the first
    const many = applyEvent(removed, { type: "membership", op: "add", conversation: { id: "c-1", kind: "group", title: "Штаб", last_seq: 7 }, user_id: OTHER, user_ids: [OTHER, ME] });
    expect(many.conversations["c-1"]).toMatchObject({ title: "Штаб", role: "member" });
    expect(applyEvent(removed, { type: "membership", op: "add", conversation: { id: "c-1", kind: "group", title: "Штаб", last_seq: 7 }, user_id: OTHER, user_ids: [OTHER] }).conversations["c-1"]).toBeUndefined();
    // another member's change does not touch my list
    expect(applyEvent(state(), { type: "membership", op: "remove", conversation: conversation(), user_id: OTHER }).conversations["c-1"]).toBeDefined();
  });

  it("unknown events change nothing", () => {
    const before = state();
    expect(applyEvent(before, { type: "call", op: "ring" })).toBe(before);
  });
  it("keeps a new message that arrives while the first page is loading", () => {
    const loading = state({ timelines: { "c-1": { messages: [], olderCursor: null, newerCursor: null, loaded: false, loading: true, error: null } } });
    const next = applyEvent(loading, { type: "message", op: "add", message: message(3) });
    expect(next.timelines["c-1"]!.messages.map((m) => m.seq)).toEqual([3]);
    const edited = applyEvent(loading, { type: "message", op: "update", message: message(1, { body: "old one" }) });
    expect(edited.timelines["c-1"]!.messages).toEqual([]);
  });
});
