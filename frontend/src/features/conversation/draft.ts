/** Per-chat drafts kept in localStorage: they survive a reload and are cleared on send. */
import type { InsertedMention } from "./rows.js";

export interface Draft {
  body: string;
  replyTo: string | null;
  mentions: InsertedMention[];
}

const PREFIX = "portal.draft.";

export function loadDraft(conversationId: string): Draft {
  try {
    const raw = localStorage.getItem(PREFIX + conversationId);
    if (raw) {
      const value = JSON.parse(raw) as Partial<Draft>;
      return { body: String(value.body ?? ""), replyTo: value.replyTo ?? null, mentions: Array.isArray(value.mentions) ? value.mentions : [] };
    }
  } catch {
    // unreadable: start empty
  }
  return { body: "", replyTo: null, mentions: [] };
}

export function saveDraft(conversationId: string, draft: Draft): void {
  try {
    if (!draft.body && !draft.replyTo) localStorage.removeItem(PREFIX + conversationId);
    else localStorage.setItem(PREFIX + conversationId, JSON.stringify(draft));
  } catch {
    // storage full or unavailable: the draft lives only in memory
  }
}
