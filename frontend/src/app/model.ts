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

// --- attachments, threads (features/attachments, features/threads) ---
/** Upload and message limits (`Sync.limits`): features/attachments checks files before uploading. */
export type Limits = api.Schemas["Limits"];
export type Attachment = api.Attachment;

/** A thread as its side panel shows it (`GET /api/v1/messages/{id}/thread`, then events). */
export interface ThreadState {
  root: Message | null;
  /** The caller follows it (null until the first page answers). */
  following: boolean | null;
  /** Replies, ascending by seq. */
  replies: Message[];
  /** Pass to `?cursor=` for later replies; null once the newest is loaded. */
  nextCursor: string | null;
  /** The first page answered (events extend it from then on). */
  loaded: boolean;
  loading: boolean;
  error: string | null;
}

/** A conversation's main timeline as far as it is loaded (ascending `seq`, no thread replies). */
export interface Timeline {
  messages: Message[];
  /** Pass to `?cursor=` for older messages; null once the first message is loaded. */
  olderCursor: string | null;
  /** Pass to `?after=` for newer messages: the window was opened around an older message
   * and does not reach the newest one (events of new messages are not appended then).
   * Null when the newest message is loaded. */
  newerCursor: string | null;
  /** The first page (of whichever window) has answered. */
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
