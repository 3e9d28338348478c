import { describe, expect, it } from "vitest";
import { applyEvent } from "../../app/events.js";
import type { Conversation, MemberList } from "../../app/model.js";
import { initialState, type AppState } from "../../app/store.js";

const conversation = { id: "c-1", kind: "group", title: "Штаб", description: "", visibility: "private", comments_enabled: false, edit_window_seconds: 172800, last_seq: 1, role: "owner", last_read_seq: 1, unread: 0, mentions: 0, pinned: false, archived: false, muted_until: null, last_message_at: null, peer_id: null } as Conversation;

function state(list: Partial<MemberList> = {}): AppState {
  return {
    ...initialState({ status: "online", userId: "me", headEventId: 0 }),
    synced: true,
    me: { id: "me", login: "me" } as AppState["me"],
    conversations: { "c-1": conversation },
    members: {
      "c-1": { members: [{ user_id: "me", role: "owner", joined_at: "2026-01-01T00:00:00Z" }, { user_id: "bob", role: "member", joined_at: "2026-01-02T00:00:00Z" }], next: null, loaded: true, loading: false, error: null, ...list },
    },
  };
}

const payload = { id: "c-1", kind: "group", title: "Штаб", description: "", visibility: "private", comments_enabled: false, edit_window_seconds: 172800, last_seq: 2 };
const roles = (s: AppState) => Object.fromEntries((s.members?.["c-1"]?.members ?? []).map((m) => [m.user_id, m.role]));

describe("a loaded member list follows the events", () => {
  it("adds, changes roles and removes, idempotently", () => {
    let s = applyEvent(state(), { type: "membership", op: "add", conversation: payload, user_id: "carol" });
    s = applyEvent(s, { type: "membership", op: "add", conversation: payload, user_id: "carol" });
    expect(roles(s)).toEqual({ me: "owner", bob: "member", carol: "member" });
    s = applyEvent(s, { type: "membership", op: "update", conversation_id: "c-1", user_id: "bob", role: "admin" });
    expect(roles(s)["bob"]).toBe("admin");
    // a repeated add of a member who is an admin now does not demote them
    s = applyEvent(s, { type: "membership", op: "add", conversation: payload, user_id: "bob" });
    expect(roles(s)["bob"]).toBe("admin");
    s = applyEvent(s, { type: "membership", op: "update", conversation_id: "c-1", user_id: "bob", role: "member" });
    expect(roles(s)["bob"]).toBe("member");
    s = applyEvent(s, { type: "membership", op: "remove", conversation: payload, user_id: "carol" });
    expect(roles(s)).toEqual({ me: "owner", bob: "member" });
    // a transfer: my role follows in the conversation too
    s = applyEvent(s, { type: "membership", op: "update", conversation_id: "c-1", user_id: "me", role: "admin" });
    expect(roles(s)["me"]).toBe("admin");
    expect(s.conversations["c-1"]?.role).toBe("admin");
  });

  it("applies one event for a whole call to every user it lists", () => {
    const added = { type: "membership", op: "add", conversation: payload, user_id: "carol", user_ids: ["carol", "dan", "bob"] };
    let s = applyEvent(state(), added);
    expect(roles(s)).toEqual({ me: "owner", bob: "member", carol: "member", dan: "member" });
    expect(applyEvent(s, added).members).toEqual(s.members); // a repeat adds nobody twice
    s = applyEvent(s, { type: "membership", op: "remove", conversation: payload, user_id: "dan", user_ids: ["dan"] });
    expect(roles(s)).toEqual({ me: "owner", bob: "member", carol: "member" });
  });

  it("leaves lists that are not loaded, or not loaded to the end, to the next page", () => {
    const partial = applyEvent(state({ next: "cursor" }), { type: "membership", op: "add", conversation: payload, user_id: "carol" });
    expect(roles(partial)).toEqual({ me: "owner", bob: "member" });
    const none = applyEvent({ ...state(), members: {} }, { type: "membership", op: "add", conversation: payload, user_id: "carol" });
    expect(none.members).toEqual({});
  });
});

describe("member lists loaded outside the store", () => {
  it("are told of every membership change, one count per event", () => {
    let s = applyEvent(state(), { type: "membership", op: "add", conversation: payload, user_ids: ["a", "b", "c"], user_id: "a" });
    expect(s.memberChanges?.["c-1"]).toBe(1); // a bulk add is one change
    s = applyEvent(s, { type: "membership", op: "update", conversation_id: "c-1", user_id: "a", role: "admin" });
    s = applyEvent(s, { type: "membership", op: "remove", conversation: payload, user_ids: ["b"], user_id: "b" });
    expect(s.memberChanges?.["c-1"]).toBe(3);
    expect(s.memberChanges?.["other"]).toBeUndefined();
  });
});
