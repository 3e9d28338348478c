/**
 * Which messages are for the reader, the way the server decides it (docs/messaging.md,
 * "Notifications"): a mention of them (even in a muted conversation), or a direct message
 * in a conversation they have not muted. Pure, so the unread count and the system
 * notifications share it and it is unit-tested.
 */
import type { Conversation, Me, Message } from "../../app/model.js";
import { isMuted } from "../../app/effects.js";
import { getLanguage, translate } from "../../i18n/index.js";
import { notificationsMessages } from "./messages.js";

const PREVIEW_CHARS = 140;

export type NotificationKind = "mention" | "direct";

interface Mentions {
  users?: unknown;
  departments?: unknown;
  all?: unknown;
}

/** The message mentions `me`: by name, through their department, or @all. */
export function mentionsMe(message: Message, me: Pick<Me, "id" | "department">): boolean {
  const mentions = (message["mentions"] ?? {}) as Mentions;
  if (mentions.all === true) return true;
  if (Array.isArray(mentions.users) && mentions.users.includes(me.id)) return true;
  return Boolean(me.department && Array.isArray(mentions.departments) && mentions.departments.includes(me.department.id));
}

/** Why `message` is a notification for `me`, or null when it is not one. */
export function notificationKind(
  message: Message,
  me: Pick<Me, "id" | "department"> | null,
  conversation: Pick<Conversation, "kind" | "muted_until"> | undefined,
): NotificationKind | null {
  if (!me || !conversation || message.author_id === me.id || message.author_id === null) return null;
  if (message.deleted) return null;
  if (mentionsMe(message, me)) return "mention";
  if (conversation.kind === "direct" && !isMuted(conversation.muted_until)) return "direct";
  return null;
}

/** A message as one line of text for a notification: its text, cut, or how many files it has. */
export function preview(message: Pick<Message, "body" | "deleted"> & { attachments?: unknown }, language = getLanguage()): string {
  const text = message.body.replace(/\s+/g, " ").trim();
  if (text) return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
  const files = Array.isArray(message.attachments) ? message.attachments.length : 0;
  return files > 0 ? translate(notificationsMessages, language, "files", { count: files }) : "";
}
