/**
 * The sidebar's pure logic: ordering, sections, the local filter and the last-message
 * preview. No React, no DOM: unit-tested in list.test.ts.
 */
import type { Conversation, Message, User } from "../../app/model.js";
import { getLanguage, translate } from "../../i18n/index.js";
import { callsMessages } from "../../calls/messages.js";
import { callRecord, noticeText } from "../../calls/notice.js";

/** Pinned first, then the newest activity first. */
export function sortConversations(list: Conversation[]): Conversation[] {
  return list.slice().sort((a, b) => Number(b.pinned) - Number(a.pinned) || activity(b).localeCompare(activity(a)) || a.id.localeCompare(b.id));
}

export function activity(conversation: Conversation): string {
  return conversation.last_message_at ?? conversation.last_message?.created_at ?? "";
}

/** A direct chat is named after the other person. */
export function conversationTitle(conversation: Conversation, users: Readonly<Record<string, User>>): string {
  if (conversation.kind === "direct" && conversation.peer_id) {
    const peer = users[conversation.peer_id];
    return peer?.full_name || peer?.login || "…";
  }
  return conversation.title;
}

export function isMuted(conversation: Pick<Conversation, "muted_until">, now = Date.now()): boolean {
  return conversation.muted_until !== null && Date.parse(conversation.muted_until) > now;
}

/** "Forever" is a date far enough away (the server stores a date, not a flag). */
export const MUTED_FOREVER = "2100-01-01T00:00:00Z";

export type MuteChoice = "1h" | "8h" | "1d" | "forever";

export function muteUntil(choice: MuteChoice, now = Date.now()): string {
  const hours = { "1h": 1, "8h": 8, "1d": 24 } as const;
  if (choice === "forever") return MUTED_FOREVER;
  return new Date(now + hours[choice] * 3600_000).toISOString();
}

export function normalise(text: string): string {
  return text.toLocaleLowerCase("ru").replace(/ё/g, "е").trim();
}

/** Every word of the query is in the title, or for a direct chat in the person's name or login. */
export function matchesFilter(conversation: Conversation, users: Readonly<Record<string, User>>, query: string): boolean {
  const words = normalise(query).split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const peer = conversation.peer_id ? users[conversation.peer_id] : undefined;
  const haystack = normalise([conversationTitle(conversation, users), conversation.title, peer?.login ?? "", peer?.position ?? ""].join(" "));
  return words.every((word) => haystack.includes(word));
}

export interface Sections {
  main: Conversation[];
  archived: Conversation[];
}

/** The list split into the main part and the archive, each sorted; with a filter, the
 * conversations that match it locally or that the server found (`serverIds`). */
export function sections(all: Conversation[], users: Readonly<Record<string, User>>, query: string, serverIds: ReadonlySet<string> | null = null): Sections {
  const shown = query.trim() ? all.filter((c) => matchesFilter(c, users, query) || (serverIds?.has(c.id) ?? false)) : all;
  const sorted = sortConversations(shown);
  return { main: sorted.filter((c) => !c.archived), archived: sorted.filter((c) => c.archived) };
}

/** What a preview says; `text` is plain (never HTML), the caller translates `key`. */
export type PreviewPart =
  | { kind: "text"; text: string }
  | { kind: "key"; key: PreviewKey; params?: Record<string, string> };

export type PreviewKey =
  | "previewDeleted"
  | "previewAttachment"
  | "previewPoll"
  | "previewEmpty"
  | "system_created"
  | "system_member_added"
  | "system_members_added"
  | "system_member_removed"
  | "system_member_left"
  | "system_member_joined"
  | "system_role_changed"
  | "system_settings_changed"
  | "system_approval"
  | "system_call"
  | "system_other";

export interface Preview {
  /** "you", an author's name, or null (direct chats, channels, system messages). */
  author: "you" | string | null;
  body: PreviewPart;
}

/** Markdown source as one plain line: markers dropped, whitespace collapsed. */
export function plainText(markdown: string, max = 140): string {
  const text = markdown
    .replace(/```[\s\S]*?```/g, (block) => block.replace(/```\w*/g, " "))
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__|~~|`)/g, "")
    .replace(/(^|\s)[*_](\S)/g, "$1$2")
    .replace(/(\S)[*_](\s|$)/g, "$1$2")
    .replace(/^\s*(>|[-*+]|\d+\.)\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function messagePreview(conversation: Conversation, message: Message | null | undefined, users: Readonly<Record<string, User>>, meId: string | null): Preview | null {
  if (!message) return null;
  const name = (id: string | null | undefined) => (id ? users[id]?.full_name || users[id]?.login || "…" : "…");
  const fields = message as unknown as Record<string, unknown>;
  if (message.kind === "system") {
    const system = (fields["system"] ?? {}) as Record<string, unknown>;
    const event = String(system["event"] ?? "");
    // An approval step's card (approvals/ApprovalCard.tsx): the document's name.
    if (event.startsWith("approval_") || String(system["action"] ?? "").startsWith("approval_")) {
      return { author: null, body: { kind: "key", key: "system_approval", params: { name: String(system["name"] ?? "") } } };
    }
    // A call's notice (calls/notice.ts), worded for the reader: "Пропущенный звонок".
    const call = callRecord(message);
    if (call) return { author: null, body: { kind: "key", key: "system_call", params: { text: noticeText(call, meId, (key, params) => translate(callsMessages, getLanguage(), key, params)) } } };
    const known = ["created", "member_added", "members_added", "member_removed", "member_left", "member_joined", "role_changed", "settings_changed"];
    const key = (known.includes(event) ? `system_${event}` : "system_other") as PreviewKey;
    const params: Record<string, string> = { actor: name(message.author_id), user: name(system["user"] as string | undefined) };
    if (typeof system["title"] === "string") params["title"] = system["title"];
    if (Array.isArray(system["users"])) params["count"] = String(system["users"].length);
    return { author: null, body: { kind: "key", key, params } };
  }
  let author: Preview["author"] = null;
  if (message.author_id && message.author_id === meId) author = "you";
  else if (conversation.kind === "group" && message.author_id) author = name(message.author_id);
  if (message.deleted) return { author, body: { kind: "key", key: "previewDeleted" } };
  const text = plainText(message.body ?? "");
  if (text) return { author, body: { kind: "text", text } };
  const poll = fields["poll"] as { question?: string } | null | undefined;
  if (poll) return { author, body: { kind: "key", key: "previewPoll", params: { question: poll.question ?? "" } } };
  const attachments = (fields["attachments"] as { filename: string }[] | undefined) ?? [];
  if (attachments.length) return { author, body: { kind: "key", key: "previewAttachment", params: { name: attachments[0]!.filename } } };
  return { author, body: { kind: "key", key: "previewEmpty" } };
}
