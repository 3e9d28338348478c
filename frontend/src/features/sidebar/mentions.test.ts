import { describe, expect, it } from "vitest";
import { applyEvent } from "../../app/events.js";
import type { Conversation, Message } from "../../app/model.js";
import { initialState, type AppState } from "../../app/store.js";

const conversation = { id: "c-1", kind: "group", title: "Штаб", description: "", visibility: "private", comments_enabled: false, edit_window_seconds: 0, last_seq: 1, role: "member", last_read_seq: 1, unread: 0, mentions: 0, pinned: false, archived: false, muted_until: null, last_message_at: null, peer_id: null } as Conversation;

function state(): AppState {
  return {
    ...initialState({ status: "online", userId: "me", headEventId: 0 }),
    synced: true,
    me: { id: "me", login: "me", department: { id: "d-1", name: "Отдел" } } as AppState["me"],
    conversations: { "c-1": conversation },
  };
}

function add(seq: number, mentions: object, author = "other") {
  const message = { id: `m-${seq}`, conversation_id: "c-1", seq, author_id: author, client_id: `x-${seq}`, kind: "text", body: "@", body_html: "", system: {}, reply_to: null, thread_root: null, created_at: "2026-12-01T10:00:00Z", edited_at: null, edit_count: 0, deleted: false, mentions } as unknown as Message;
  return { type: "message", op: "add", message };
}

describe("the mention badge follows new messages", () => {
  it("counts a new message that mentions me once, however often it arrives", () => {
    let s = applyEvent(state(), add(2, { users: ["me"], departments: [], all: false }));
    s = applyEvent(s, add(2, { users: ["me"], departments: [], all: false }));
    expect(s.conversations["c-1"]?.mentions).toBe(1);
    s = applyEvent(s, add(3, { users: [], departments: ["d-1"], all: false }));
    s = applyEvent(s, add(4, { users: [], departments: [], all: true }));
    expect(s.conversations["c-1"]?.mentions).toBe(3);
  });

  it("ignores messages for others, my own, and reading clears it", () => {
    let s = applyEvent(state(), add(2, { users: ["someone"], departments: ["d-2"], all: false }));
    s = applyEvent(s, add(3, { users: ["me"], departments: [], all: false }, "me"));
    expect(s.conversations["c-1"]?.mentions).toBe(0);
    s = applyEvent(s, add(4, { users: ["me"], departments: [], all: false }));
    expect(s.conversations["c-1"]?.mentions).toBe(1);
    s = applyEvent(s, { type: "read", op: "update", conversation_id: "c-1", user_id: "me", seq: 4 });
    expect(s.conversations["c-1"]?.mentions).toBe(0);
  });
});
