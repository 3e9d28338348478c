import { describe, expect, it } from "vitest";
import type { Message } from "../../app/model.js";
import { notificationKind, preview } from "./rules.js";

const ME = { id: "me", department: { id: "dep-1", name: "Отдел" } };
const direct = { kind: "direct" as const, muted_until: null };
const group = { kind: "group" as const, muted_until: null };
const later = new Date(Date.now() + 3_600_000).toISOString();

function message(fields: Partial<Message> = {}): Message {
  return { id: "m-1", conversation_id: "c-1", seq: 1, author_id: "other", body: "Привет", deleted: false, thread_root: null, mentions: { users: [], departments: [], all: false }, ...fields } as Message;
}

describe("notificationKind", () => {
  it("a direct message from someone else, unless the chat is muted", () => {
    expect(notificationKind(message(), ME, direct)).toBe("direct");
    expect(notificationKind(message(), ME, { ...direct, muted_until: later })).toBeNull();
  });

  it("a mention by name, by department or @all, even in a muted conversation", () => {
    const muted = { ...group, muted_until: later };
    expect(notificationKind(message({ mentions: { users: ["me"], departments: [], all: false } }), ME, muted)).toBe("mention");
    expect(notificationKind(message({ mentions: { users: [], departments: ["dep-1"], all: false } }), ME, group)).toBe("mention");
    expect(notificationKind(message({ mentions: { users: [], departments: [], all: true } }), ME, group)).toBe("mention");
  });

  it("nothing for my own, system or deleted messages, other groups' chatter or unknown conversations", () => {
    expect(notificationKind(message({ author_id: "me" }), ME, direct)).toBeNull();
    expect(notificationKind(message({ author_id: null }), ME, direct)).toBeNull();
    expect(notificationKind(message({ deleted: true }), ME, direct)).toBeNull();
    expect(notificationKind(message(), ME, group)).toBeNull();
    expect(notificationKind(message(), ME, undefined)).toBeNull();
    expect(notificationKind(message(), null, direct)).toBeNull();
  });
});

describe("preview", () => {
  it("is the text on one line, cut at 140 characters, or the number of files", () => {
    expect(preview({ body: "  два\n\nслова ", deleted: false })).toBe("два слова");
    expect(preview({ body: "я".repeat(200), deleted: false })).toHaveLength(140);
    expect(preview({ body: "", deleted: false, attachments: [{}, {}] }, "ru")).toBe("2 файла");
    expect(preview({ body: "", deleted: false, attachments: [{}] }, "en")).toBe("1 file");
  });
});
