import { describe, expect, it } from "vitest";
import type { Conversation, Message, User } from "../../app/model.js";
import { matchesFilter, messagePreview, muteUntil, isMuted, plainText, sections, sortConversations, MUTED_FOREVER } from "./list.js";

function conversation(fields: Partial<Conversation>): Conversation {
  return {
    id: "c",
    kind: "group",
    title: "Группа",
    description: "",
    visibility: "private",
    comments_enabled: false,
    edit_window_seconds: 172800,
    last_seq: 0,
    role: "member",
    last_read_seq: 0,
    unread: 0,
    mentions: 0,
    pinned: false,
    archived: false,
    muted_until: null,
    last_message_at: null,
    peer_id: null,
    ...fields,
  };
}

function message(fields: Partial<Message> & Record<string, unknown>): Message {
  return {
    id: "m",
    conversation_id: "c",
    seq: 1,
    author_id: "u1",
    client_id: "x",
    kind: "text",
    body: "",
    body_html: "",
    system: false,
    reply_to: null,
    thread_root: null,
    created_at: "2026-12-01T10:00:00Z",
    edited_at: null,
    edit_count: 0,
    deleted: false,
    ...fields,
  } as Message;
}

const users = {
  u1: { id: "u1", login: "ivanov", full_name: "Иванов Пётр Сергеевич", position: "Советник" },
  u2: { id: "u2", login: "petrova", full_name: "Петрова Анна", position: "" },
} as unknown as Record<string, User>;

describe("ordering and sections", () => {
  it("puts pinned first, then newest activity", () => {
    const list = [
      conversation({ id: "old", last_message_at: "2026-01-01T00:00:00Z" }),
      conversation({ id: "new", last_message_at: "2026-02-01T00:00:00Z" }),
      conversation({ id: "pinned", pinned: true, last_message_at: "2025-01-01T00:00:00Z" }),
      conversation({ id: "never" }),
    ];
    expect(sortConversations(list).map((c) => c.id)).toEqual(["pinned", "new", "old", "never"]);
  });

  it("splits the archive off and filters both", () => {
    const list = [
      conversation({ id: "a", title: "Бюджет 2027" }),
      conversation({ id: "b", title: "Кадры", archived: true }),
      conversation({ id: "d", kind: "direct", title: "", peer_id: "u2" }),
    ];
    expect(sections(list, users, "")).toEqual({ main: [list[0], list[2]], archived: [list[1]] });
    expect(sections(list, users, "кадр").archived.map((c) => c.id)).toEqual(["b"]);
    expect(sections(list, users, "кадр").main).toEqual([]);
    // the server found "a" (e.g. by transliteration): shown though it does not match locally
    expect(sections(list, users, "budzhet", new Set(["a"])).main.map((c) => c.id)).toEqual(["a"]);
  });
});

describe("the local filter", () => {
  it("matches every word in the title or the person's name, ignoring case and ё", () => {
    const direct = conversation({ kind: "direct", title: "", peer_id: "u1" });
    expect(matchesFilter(direct, users, "пётр")).toBe(true);
    expect(matchesFilter(direct, users, "ПЕТР иванов")).toBe(true);
    expect(matchesFilter(direct, users, "ivanov")).toBe(true);
    expect(matchesFilter(direct, users, "петрова")).toBe(false);
    expect(matchesFilter(conversation({ title: "Совещание по бюджету" }), users, "бюджет совещ")).toBe(true);
    expect(matchesFilter(conversation({ title: "Совещание" }), users, "   ")).toBe(true);
  });
});

describe("muting", () => {
  it("computes the end of a mute and whether it is in force", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(muteUntil("1h", now)).toBe("2026-12-01T11:00:00.000Z");
    expect(muteUntil("8h", now)).toBe("2026-12-01T18:00:00.000Z");
    expect(muteUntil("1d", now)).toBe("2026-12-02T10:00:00.000Z");
    expect(muteUntil("forever", now)).toBe(MUTED_FOREVER);
    expect(isMuted({ muted_until: "2026-12-01T09:59:00Z" }, now)).toBe(false);
    expect(isMuted({ muted_until: MUTED_FOREVER }, now)).toBe(true);
    expect(isMuted({ muted_until: null }, now)).toBe(false);
  });
});

describe("the last-message preview", () => {
  const group = conversation({ kind: "group" });
  it("names the author in groups and says 'you' for one's own", () => {
    expect(messagePreview(group, message({ body: "Привет" }), users, "u2")).toEqual({ author: "Иванов Пётр Сергеевич", body: { kind: "text", text: "Привет" } });
    expect(messagePreview(group, message({ body: "Привет" }), users, "u1")?.author).toBe("you");
    expect(messagePreview(conversation({ kind: "direct" }), message({ body: "Привет" }), users, "u2")?.author).toBeNull();
    expect(messagePreview(conversation({ kind: "channel" }), message({ body: "Пост" }), users, "u2")?.author).toBeNull();
  });

  it("is plain text: Markdown markers and HTML-looking text stay text, one line", () => {
    expect(plainText("**Важно:** смотрите [документ](https://x)\n> цитата\n- пункт")).toBe("Важно: смотрите документ цитата пункт");
    expect(plainText("<b>не HTML</b>")).toBe("<b>не HTML</b>");
    expect(plainText("а".repeat(300)).length).toBe(140);
  });

  it("describes attachments, polls, deleted and system messages", () => {
    expect(messagePreview(group, message({ attachments: [{ filename: "отчёт.pdf" }] as never }), users, "u2")?.body).toEqual({ kind: "key", key: "previewAttachment", params: { name: "отчёт.pdf" } });
    expect(messagePreview(group, message({ poll: { question: "Когда?" } as never }), users, "u2")?.body).toEqual({ kind: "key", key: "previewPoll", params: { question: "Когда?" } });
    expect(messagePreview(group, message({ deleted: true }), users, "u2")?.body).toEqual({ kind: "key", key: "previewDeleted" });
    const system = message({ kind: "system", system: { event: "member_added", user: "u2" } as never });
    expect(messagePreview(group, system, users, "u2")).toEqual({ author: null, body: { kind: "key", key: "system_member_added", params: { actor: "Иванов Пётр Сергеевич", user: "Петрова Анна" } } });
    const approval = message({ kind: "system", system: { event: "approval_registered", name: "Приказ" } as never });
    expect(messagePreview(group, approval, users, "u2")?.body).toEqual({ kind: "key", key: "system_approval", params: { name: "Приказ" } });
    const many = message({ kind: "system", system: { event: "members_added", users: ["u2", "u3", "u4"] } as never });
    expect(messagePreview(group, many, users, "u2")?.body).toEqual({ kind: "key", key: "system_members_added", params: { actor: "Иванов Пётр Сергеевич", user: "…", count: "3" } });
    expect(messagePreview(group, message({ kind: "system", system: { event: "new_thing" } as never }), users, "u2")?.body).toMatchObject({ key: "system_other" });
    expect(messagePreview(group, null, users, "u2")).toBeNull();
  });
});
