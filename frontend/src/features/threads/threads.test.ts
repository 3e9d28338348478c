import { describe, expect, it } from "vitest";

import { applyEvent } from "../../app/events.js";
import type { Message, ThreadState } from "../../app/model.js";
import { initialState, type AppState } from "../../app/store.js";
import { testMessage } from "../../app/testing.js";

const message = (seq: number, fields: Partial<Message> = {}) => testMessage(seq, fields, "u-2");

const reply = (seq: number) => message(seq, { thread_root: "m-1" });

function thread(fields: Partial<ThreadState> = {}): ThreadState {
  return { root: message(1, { reply_count: 1 }), following: true, replies: [reply(2)], nextCursor: null, loaded: true, loading: false, error: null, ...fields };
}

function state(threads: Record<string, ThreadState>): AppState {
  return {
    ...initialState({ status: "online", userId: "u-1", headEventId: 0 }),
    synced: true,
    me: { id: "u-1", login: "me" } as AppState["me"],
    threads,
  };
}

describe("an open thread panel follows events", () => {
  it("a reply is added once, however often it is applied", () => {
    const add = { type: "message", op: "add", message: reply(5) };
    const once = applyEvent(state({ "m-1": thread() }), add);
    const twice = applyEvent(once, add);
    expect(twice.threads["m-1"]!.replies.map((m) => m.seq)).toEqual([2, 5]);
  });

  it("a reply makes the root's author and the replier followers, as the server does", () => {
    const mine = { ...thread({ following: false }), root: message(1, { author_id: "u-1" }) };
    expect(applyEvent(state({ "m-1": mine }), { type: "message", op: "add", message: reply(5) }).threads["m-1"]!.following).toBe(true);
    const others = thread({ following: false });
    expect(applyEvent(state({ "m-1": others }), { type: "message", op: "add", message: reply(5) }).threads["m-1"]!.following).toBe(false);
    const replied = applyEvent(state({ "m-1": others }), { type: "message", op: "add", message: { ...reply(6), author_id: "u-1" } });
    expect(replied.threads["m-1"]!.following).toBe(true);
  });

  it("thread.update sets the root's reply count; edits and reactions reach replies", () => {
    let s = applyEvent(state({ "m-1": thread() }), { type: "thread", op: "update", conversation_id: "c-1", root_id: "m-1", reply_count: 2, last_reply_at: "2026-12-01T10:05:00Z" });
    expect(s.threads["m-1"]!.root!.reply_count).toBe(2);
    s = applyEvent(s, { type: "message", op: "update", message: { ...reply(2), body: "edited" } });
    expect(s.threads["m-1"]!.replies[0]!.body).toBe("edited");
    s = applyEvent(s, { type: "reaction", op: "add", conversation_id: "c-1", message_id: "m-2", emoji: "👍", user_id: "u-3" });
    expect(s.threads["m-1"]!.replies[0]!.reactions).toEqual([{ emoji: "👍", count: 1, user_ids: ["u-3"] }]);
  });

  it("a poll in the root is updated by poll.update", () => {
    const poll = { question: "Q", multiple: false, anonymous: false, closed: false, options: [{ text: "A", votes: 1, voter_ids: ["u-2"] }] };
    const s = applyEvent(state({ "m-1": thread() }), { type: "poll", op: "update", conversation_id: "c-1", message_id: "m-1", poll });
    expect(s.threads["m-1"]!.root!.poll).toEqual(poll);
  });

  it("ignores replies of threads that are not open, and waits for the first page", () => {
    const before = state({ "m-1": thread() });
    expect(applyEvent(before, { type: "message", op: "add", message: message(9, { thread_root: "m-7" }) }).threads).toBe(before.threads);
    const loading = state({ "m-1": thread({ loaded: false, replies: [] }) });
    expect(applyEvent(loading, { type: "message", op: "add", message: reply(5) }).threads["m-1"]!.replies).toEqual([]);
  });

  it("a reply beyond the loaded pages is left for the next page", () => {
    const paged = state({ "m-1": thread({ nextCursor: "2" }) });
    expect(applyEvent(paged, { type: "message", op: "add", message: reply(9) }).threads["m-1"]!.replies.map((m) => m.seq)).toEqual([2]);
  });

  it("the root edited keeps the panel's copy up to date", () => {
    const s = applyEvent(state({ "m-1": thread() }), { type: "message", op: "update", message: message(1, { body: "new root", reply_count: 1 }) });
    expect(s.threads["m-1"]!.root!.body).toBe("new root");
  });
});
