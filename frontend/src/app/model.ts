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

/** A current member of a conversation (`GET /api/v1/conversations/{id}/members`); the
 * profile is kept in `AppState.users`. */
export interface Member {
  user_id: string;
  role: Role;
  joined_at: string;
}

/** A conversation's member list as far as the members panel has loaded it. */
export interface MemberList {
  members: Member[];
  /** Pass to `?cursor=` for the next page; null once all are loaded. */
  next: string | null;
  loaded: boolean;
  loading: boolean;
  error: string | null;
}
