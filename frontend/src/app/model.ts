/** The shapes the screens work with: the REST answers, as the app keeps them. */
import type { Message, User as WireUser } from "../realtime/index.js";

export type { Message };

export type Role = "owner" | "admin" | "member" | "read_only";
export type Presence = "online" | "away" | "offline";

export interface Brief {
  id: string;
  name: string;
  short_name?: string;
}

export interface User extends WireUser {
  full_name: string;
  last_name: string;
  first_name: string;
  middle_name: string;
  position: string;
  agency: Brief | null;
  department: Brief | null;
  email: string;
  phone: string;
  avatar: Record<string, string> | null;
  is_bot: boolean;
}

export interface Me extends User {
  language: string;
  time_zone: string;
  is_staff: boolean;
  two_factor_enabled: boolean;
  two_factor_required: boolean;
}

/** A conversation as events carry it (the same for every member). */
export type ConversationPayload = Pick<Conversation, "id" | "kind" | "title" | "description" | "visibility" | "comments_enabled" | "last_seq">;

/** A conversation as its member sees it (`GET /api/v1/sync`, `GET /api/v1/conversations/{id}`). */
export interface Conversation {
  id: string;
  kind: "direct" | "group" | "channel";
  title: string;
  description: string;
  visibility: string;
  comments_enabled: boolean;
  last_seq: number;
  role: Role;
  last_read_seq: number;
  unread: number;
  mentions: number;
  pinned: boolean;
  archived: boolean;
  muted_until: string | null;
  last_message_at: string | null;
  peer_id: string | null;
  last_message?: Message | null;
}

export interface SyncState {
  last_event_id: number;
  me: Me;
  conversations: Conversation[];
  presence: Record<string, Presence>;
  users: User[];
}

export interface Page<T> {
  results: T[];
  next: string | null;
  previous: string | null;
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
