import { describe, expect, it } from "vitest";
import { applyEvent } from "../../app/events.js";
import type { Timeline } from "../../app/model.js";
import { initialState, type AppState } from "../../app/store.js";
import { testMessage } from "../../app/testing.js";

// The conversation screen's parts of the dispatcher: windows that do not reach the newest
// message, and the pinned messages.

const message = testMessage;

function timeline(fields: Partial<Timeline>): Timeline {
  return { messages: [], olderCursor: null, newerCursor: null, loaded: true, loading: false, error: null, ...fields };
}

function state(fields: Partial<AppState>): AppState {
  return {
    ...initialState({ status: "online", userId: "me", headEventId: 0 }),
    synced: true,
    me: { id: "me", login: "me" } as AppState["me"],
    ...fields,
  };
}

describe("a window around an older message", () => {
  const windowed = state({ timelines: { "c-1": timeline({ messages: [message(40), message(41)], olderCursor: "40", newerCursor: "41" }) } });

  it("does not append new messages past its end (paging forward brings them, without a gap)", () => {
    const next = applyEvent(windowed, { type: "message", op: "add", message: message(99) });
    expect(next.timelines["c-1"]!.messages.map((m) => m.seq)).toEqual([40, 41]);
  });

  it("still shows edits of the messages in it", () => {
    const next = applyEvent(windowed, { type: "message", op: "update", message: message(41, { body: "new" }) });
    expect(next.timelines["c-1"]!.messages[1]!.body).toBe("new");
  });

  it("the newest window appends as before", () => {
    const newest = state({ timelines: { "c-1": timeline({ messages: [message(40)], olderCursor: "40" }) } });
    const next = applyEvent(newest, { type: "message", op: "add", message: message(41) });
    expect(next.timelines["c-1"]!.messages.map((m) => m.seq)).toEqual([40, 41]);
  });
});

describe("pinned messages", () => {
  const base = state({
    timelines: { "c-1": timeline({ messages: [message(1), message(2)] }) },
    pins: { "c-1": [message(1)] },
  });

  it("a pin of a loaded message goes first; an unpin removes it", () => {
    const pinned = applyEvent(base, { type: "pin", op: "add", conversation_id: "c-1", message_id: "m-2", user_id: "me" });
    expect(pinned.pins!["c-1"]!.map((m) => m.id)).toEqual(["m-2", "m-1"]);
    const unpinned = applyEvent(pinned, { type: "pin", op: "remove", conversation_id: "c-1", message_id: "m-1", user_id: "me" });
    expect(unpinned.pins!["c-1"]!.map((m) => m.id)).toEqual(["m-2"]);
  });

  it("a pin of a message not loaded drops the list so that it is fetched again", () => {
    const next = applyEvent(base, { type: "pin", op: "add", conversation_id: "c-1", message_id: "m-77", user_id: "me" });
    expect(next.pins!["c-1"]).toBeUndefined();
  });

  it("edits and hiding reach the pinned copy", () => {
    const edited = applyEvent(base, { type: "message", op: "update", message: message(1, { body: "edited" }) });
    expect(edited.pins!["c-1"]![0]!.body).toBe("edited");
    const hidden = applyEvent(base, { type: "hidden_message", op: "add", conversation_id: "c-1", message_id: "m-1" });
    expect(hidden.pins!["c-1"]).toEqual([]);
  });
});
