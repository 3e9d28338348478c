/** What the sidebar and the members panel change on the server. The answers are applied
 * through the one event dispatcher, as the events that follow them would be. */
import { appStore } from "../../app/store.js";
import { applyEvent } from "../../app/events.js";
import type { Conversation } from "../../app/model.js";

const base = (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`;

export type MemberSettings = Partial<Pick<Conversation, "muted_until" | "pinned" | "archived">>;

/** The caller's own mute / pin / archive of one conversation. */
export async function updateMemberSettings(conversationId: string, changes: MemberSettings): Promise<void> {
  const store = appStore();
  const { data } = await store.client.request<Conversation>("PATCH", `${base(conversationId)}/settings`, changes);
  store.update((s) =>
    applyEvent(s, { type: "member_settings", op: "update", conversation_id: conversationId, muted_until: data.muted_until, pinned: data.pinned, archived: data.archived }),
  );
}

/** Leave a group or channel (the owner cannot: 409 owner_cannot_leave). */
export async function leaveConversation(conversationId: string): Promise<void> {
  const store = appStore();
  const me = store.getState().me;
  if (!me) return;
  await store.client.request("DELETE", `${base(conversationId)}/members/${encodeURIComponent(me.id)}`);
  const conversation = store.getState().conversations[conversationId];
  if (conversation) store.update((s) => applyEvent(s, { type: "membership", op: "remove", conversation, user_id: me.id }));
}

export async function markAllRead(conversationId: string): Promise<void> {
  const conversation = appStore().getState().conversations[conversationId];
  if (conversation) await appStore().markRead(conversationId, conversation.last_seq);
}
