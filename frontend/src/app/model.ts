/** The shapes the screens work with: the REST answers, as the app keeps them. */
import type * as api from "../api/index.js";
import type { Message } from "../realtime/index.js";

export type { Message };

export type Role = api.MemberRole;
export type Presence = api.PresenceState;
export type User = api.User;
export type Me = api.Me;

/** A conversation as its member sees it (`GET /api/v1/sync`, `GET /api/v1/conversations/{id}`). */
export type Conversation = api.MyConversation & { last_message?: Message | null };
/** A conversation as events carry it (the same for every member). */
export type ConversationPayload = api.Conversation;
export type SyncState = api.Sync;

export type Page<T> = api.Page<T>;

/** A conversation's main timeline as far as it is loaded (ascending `seq`, no thread replies). */
export interface Timeline {
  messages: Message[];
  /** Pass to `?cursor=` for older messages; null once the first message is loaded. */
  olderCursor: string | null;
  /** The newest message is loaded (events extend it). */
  loaded: boolean;
  loading: boolean;
  error: string | null;
}
