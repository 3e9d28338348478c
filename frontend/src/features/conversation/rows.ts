/**
 * What the timeline shows, computed from the loaded messages: one row per message (day
 * separators, the "new messages" mark and grouping by author are properties of the row, so
 * that each row is one virtualised item), then the pending sends. Pure, tested in rows.test.ts.
 */
import type { Message } from "../../app/model.js";
import type { OutgoingMessage } from "../../realtime/index.js";
import { dayKey } from "../../i18n/format.js";

/** Consecutive messages of one author within this time are shown as one group. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000;

export type Row =
  | {
      kind: "message";
      key: string;
      message: Message;
      /** The first message of its day: show the day separator above it (the message's date). */
      dayStart: boolean;
      /** The first unread message: show "Новые сообщения" above it. */
      firstUnread: boolean;
      /** Same author as the row above, shortly after it: no name or avatar. */
      grouped: boolean;
    }
  | { kind: "pending"; key: string; pending: OutgoingMessage; dayStart: boolean };

export function isSystem(message: Message): boolean {
  return message.kind === "system";
}

export function buildRows(
  messages: readonly Message[],
  pending: readonly OutgoingMessage[],
  { unreadFrom, unreadTo = null, me }: { unreadFrom: number | null; unreadTo?: number | null; me: string | null },
): Row[] {
  const rows: Row[] = [];
  let previous: Message | null = null;
  let unreadMarked = false;
  for (const message of messages) {
    const dayStart = !previous || dayKey(previous.created_at) !== dayKey(message.created_at);
    const firstUnread =
      !unreadMarked && unreadFrom !== null && message.seq >= unreadFrom && (unreadTo === null || message.seq <= unreadTo) && message.author_id !== me && !isSystem(message);
    if (firstUnread) unreadMarked = true;
    const grouped =
      !!previous &&
      !dayStart &&
      !firstUnread &&
      !isSystem(previous) &&
      !isSystem(message) &&
      previous.author_id === message.author_id &&
      !message["forwarded_from"] &&
      Date.parse(message.created_at) - Date.parse(previous.created_at) < GROUP_WINDOW_MS;
    rows.push({ kind: "message", key: message.id, message, dayStart, firstUnread, grouped });
    previous = message;
  }
  let lastDay = previous ? dayKey(previous.created_at) : null;
  for (const item of pending) {
    const day = dayKey(new Date(item.createdAt).toISOString());
    rows.push({ kind: "pending", key: `pending:${item.clientId}`, pending: item, dayStart: day !== lastDay });
    lastDay = day;
  }
  return rows;
}

/** The users an `@` at the caret is looking for: the text typed after it, or null. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([\p{L}\p{N}_.-]{0,40})$/u.exec(before);
  if (!match) return null;
  return { start: before.length - match[2]!.length - 1, query: match[2]! };
}

export interface InsertedMention {
  userId: string | "all";
  label: string;
}

/** The `mentions` of a send: those inserted mentions whose "@label" is still in the text. */
export function mentionsOf(body: string, inserted: readonly InsertedMention[]): { users?: string[]; all?: boolean } | undefined {
  const users = new Set<string>();
  let all = false;
  for (const mention of inserted) {
    if (!body.includes(`@${mention.label}`)) continue;
    if (mention.userId === "all") all = true;
    else users.add(mention.userId);
  }
  if (!users.size && !all) return undefined;
  return { ...(users.size ? { users: [...users] } : {}), ...(all ? { all: true } : {}) };
}

/** The server's limit on a message body (after trimming): docs/messaging.md. */
export const MAX_BODY = 10_000;

export function bodyTooLong(body: string, limit = MAX_BODY): boolean {
  return body.trim().length > limit;
}

/** Whether the author may still edit `message` (text, not deleted, within the window). */
export function canEdit(message: Message, me: string | null, editWindowSeconds: number, now = Date.now()): boolean {
  if (!me || message.author_id !== me || message.deleted || message.kind !== "text") return false;
  if (editWindowSeconds <= 0) return false;
  return now - Date.parse(message.created_at) < editWindowSeconds * 1000;
}

/** The newest message of mine that I may edit (for the Up arrow). */
export function lastEditable(messages: readonly Message[], me: string | null, editWindowSeconds: number, now = Date.now()): Message | null {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i]!;
    if (message.author_id === me && !message.deleted) return canEdit(message, me, editWindowSeconds, now) ? message : null;
  }
  return null;
}
