import { describe, expect, it } from "vitest";
import type { Message } from "../../app/model.js";
import type { OutgoingMessage } from "../../realtime/index.js";
import { bodyTooLong, buildRows, canEdit, lastEditable, mentionQuery, mentionsOf } from "./rows.js";

const ME = "me";

function message(seq: number, minute: number, fields: Partial<Message> = {}): Message {
  return {
    id: `m-${seq}`,
    conversation_id: "c",
    seq,
    author_id: "a",
    client_id: `c-${seq}`,
    kind: "text",
    body: `text ${seq}`,
    body_html: `<p>text ${seq}</p>`,
    system: {},
    reply_to: null,
    thread_root: null,
    created_at: new Date(Date.UTC(2026, 11, 1, 9, minute)).toISOString(),
    edited_at: null,
    edit_count: 0,
    deleted: false,
    ...fields,
  } as Message;
}

describe("buildRows", () => {
  it("groups one author's messages within five minutes, not across authors, days or system messages", () => {
    const rows = buildRows(
      [
        message(1, 0),
        message(2, 2),
        message(3, 9), // 7 minutes later
        message(4, 10, { author_id: "b" }),
        message(5, 11, { author_id: "b", kind: "system", system: { event: "member_added" } }),
        message(6, 12, { author_id: "b" }),
        message(7, 24 * 60 + 12, { author_id: "b" }), // the next day
      ],
      [],
      { unreadFrom: null, me: ME },
    );
    expect(rows.map((r) => (r.kind === "message" ? r.grouped : null))).toEqual([false, true, false, false, false, false, false]);
    expect(rows.map((r) => r.dayStart)).toEqual([true, false, false, false, false, false, true]);
  });

  it("marks the first unread message of someone else, once, and does not group across the mark", () => {
    const rows = buildRows([message(1, 0), message(2, 1, { author_id: ME }), message(3, 2), message(4, 3)], [], { unreadFrom: 2, me: ME });
    expect(rows.map((r) => (r.kind === "message" ? r.firstUnread : null))).toEqual([false, false, true, false]);
    expect(rows[2]!.kind === "message" && rows[2]!.grouped).toBe(false);
    // Messages that came after the chat was opened get no mark.
    const later = buildRows([message(1, 0), message(5, 4)], [], { unreadFrom: 2, unreadTo: 4, me: ME });
    expect(later.map((r) => (r.kind === "message" ? r.firstUnread : null))).toEqual([false, false]);
  });

  it("puts pending sends last, with a day separator when their day is new", () => {
    const pending = { clientId: "x", conversationId: "c", body: "hi", createdAt: Date.UTC(2026, 11, 2, 8), status: "queued" } as OutgoingMessage;
    const rows = buildRows([message(1, 0)], [pending], { unreadFrom: null, me: ME });
    expect(rows.map((r) => [r.key, r.dayStart])).toEqual([
      ["m-1", true],
      ["pending:x", true],
    ]);
  });
});

describe("composer helpers", () => {
  it("finds the @query at the caret", () => {
    expect(mentionQuery("Привет @Ива", 11)).toEqual({ start: 7, query: "Ива" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("mail@host", 9)).toBeNull();
    expect(mentionQuery("@Ива потом", 10)).toBeNull();
  });

  it("sends the mentions still in the text", () => {
    const inserted = [
      { userId: "u1", label: "Иванова Анна" },
      { userId: "u2", label: "Петров Борис" },
      { userId: "all" as const, label: "all" },
    ];
    expect(mentionsOf("@Иванова Анна, посмотрите", inserted)).toEqual({ users: ["u1"] });
    expect(mentionsOf("@all срочно", inserted)).toEqual({ all: true });
    expect(mentionsOf("никого", inserted)).toBeUndefined();
  });

  it("refuses a body over 10,000 characters after trimming", () => {
    expect(bodyTooLong("x".repeat(10_000))).toBe(false);
    expect(bodyTooLong(`  ${"x".repeat(10_000)}  `)).toBe(false);
    expect(bodyTooLong("x".repeat(10_001))).toBe(true);
    expect(bodyTooLong("x".repeat(100_000))).toBe(true);
  });

  it("edits only my own text messages within the window; Up finds the newest of mine", () => {
    const now = Date.UTC(2026, 11, 1, 9, 30);
    const mine = message(1, 0, { author_id: ME });
    expect(canEdit(mine, ME, 3600, now)).toBe(true);
    expect(canEdit(mine, ME, 60, now)).toBe(false);
    expect(canEdit(mine, ME, 0, now)).toBe(false);
    expect(canEdit(message(2, 0), ME, 3600, now)).toBe(false);
    expect(canEdit({ ...mine, deleted: true }, ME, 3600, now)).toBe(false);
    expect(lastEditable([mine, message(2, 5)], ME, 3600, now)?.id).toBe("m-1");
    expect(lastEditable([message(2, 5)], ME, 3600, now)).toBeNull();
  });
});

describe("emoji search", () => {
  it("finds by Russian and English names", async () => {
    const { searchEmoji } = await import("./emoji.js");
    expect(searchEmoji("сердце").map((e) => e.char)).toContain("❤️");
    expect(searchEmoji("thumbs up").map((e) => e.char)).toEqual(["👍"]);
    expect(searchEmoji("")).toEqual([]);
  });
});
