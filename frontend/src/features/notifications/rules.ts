/**
 * Which messages are for the reader, the way the server decides it (docs/messaging.md,
 * "Notifications"): a mention of them (even in a muted conversation), or a direct message
 * in a conversation they have not muted. Pure, so the unread count and the system
 * notifications share it and it is unit-tested.
 */
import type { Conversation, Me, Message } from "../../app/model.js";
import { isMuted } from "../../app/effects.js";

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
