/**
 * Portal's wire types, hand-written from docs/api.md, docs/realtime.md, docs/messaging.md and
 * portal/realtime/consumers.py. Every protocol shape lives in this one file so that it can be
 * replaced by types generated from the OpenAPI schema (/api/v1/schema/) without touching the
 * rest of the module.
 */

// --- REST --------------------------------------------------------------------------------

/** The body of every error answer: `{"error": {"code", "message", "details"}}`. */
export interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export interface ErrorEnvelope {
  error: ErrorBody;
}

export type DevicePlatform = "android" | "ios" | "desktop" | "web" | "other";

/** `device` of `POST /api/v1/auth/login`; `id` is generated once per installation. */
export interface DeviceInfo {
  id: string;
  platform: DevicePlatform;
  model?: string;
  os_version?: string;
  app_version?: string;
}

export interface LoginRequest {
  login: string;
  password: string;
  otp: string;
  device: DeviceInfo;
}

export interface RefreshRequest {
  refresh_token: string;
}

export interface User {
  id: string;
  login: string;
  [field: string]: unknown;
}

/** The answer of `POST /api/v1/auth/login` and `POST /api/v1/auth/refresh`. */
export interface TokenPair {
  token_type: "Bearer";
  access_token: string;
  access_expires_at: string;
  refresh_token: string;
  refresh_expires_at: string;
  session_id: string;
  device_id: string;
  user?: User;
}

/** Device-policy refusals (docs/api.md, "Handle refusals"): 403 and websocket close 4403. */
export const DEVICE_REFUSAL_CODES = [
  "app_version_too_old",
  "os_version_too_old",
  "platform_not_allowed",
  "checkin_required",
  "screen_lock_required",
  "device_rooted",
  "encryption_required",
  "network_not_allowed",
  "two_factor_required",
  "session_idle",
  "session_too_old",
  "device_locked",
  "device_wiped",
] as const;
export type DeviceRefusalCode = (typeof DEVICE_REFUSAL_CODES)[number];

export interface MentionsInput {
  users?: string[];
  departments?: string[];
  all?: boolean;
}

/** `POST /api/v1/conversations/{id}/messages`; `client_id` makes retries idempotent. */
export interface MessageInput {
  client_id: string;
  body: string;
  reply_to?: string | null;
  thread_root?: string | null;
  mentions?: MentionsInput;
  attachment_ids?: string[];
}

/** A message as the REST API and `message` events carry it (messaging/events.py). */
export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  author_id: string | null;
  client_id: string;
  kind: string;
  body: string;
  body_html: string;
  /** A system message's data (`{"event": "member_added", "user": …}`); `{}` for others. */
  system: Record<string, unknown>;
  reply_to: string | null;
  thread_root: string | null;
  created_at: string;
  edited_at: string | null;
  edit_count: number;
  deleted: boolean;
  [field: string]: unknown;
}

// --- Events (the payload of an `event` frame) -------------------------------------------------

export interface MessageEvent {
  type: "message";
  op: "add" | "edit" | "delete" | "unhide";
  message: Message;
}

export interface MessageHideEvent {
  type: "message";
  op: "hide";
  conversation_id: string;
  message_id: string;
}

export interface DeviceCommandEvent {
  type: "device";
  op: "command";
  device_id: string;
  command: { id: string; kind: "lock" | "logout" | "wipe" | "refresh_policy" | "message"; [field: string]: unknown };
}

/** Any other event: `type` and `op` plus its data (docs/api.md, docs/messaging.md). */
export interface OtherEvent {
  type: string;
  op?: string;
  [field: string]: unknown;
}

export type PortalEvent = MessageEvent | MessageHideEvent | DeviceCommandEvent | OtherEvent;

// --- Websocket frames (docs/realtime.md) ---------------------------------------------------------

export interface AuthFrame {
  type: "auth";
  token: string;
  last_event_id?: number;
}
export interface PingFrame {
  type: "ping";
}
export interface ResumeFrame {
  type: "resume";
  last_event_id: number;
}
export interface TypingOutFrame {
  type: "typing";
  conversation_id: string;
}
export interface PresenceOutFrame {
  type: "presence";
  state: "online" | "away";
}
export type ClientFrame = AuthFrame | PingFrame | ResumeFrame | TypingOutFrame | PresenceOutFrame;

export interface ReadyFrame {
  type: "ready";
  last_event_id: number;
  user_id: string;
}
export interface EventFrame {
  type: "event";
  id: number;
  event: PortalEvent;
}
export interface ResyncRequiredFrame {
  type: "resync_required";
}
export interface PongFrame {
  type: "pong";
}
export interface ErrorFrame {
  type: "error";
  error: ErrorBody;
}
/** Short-lived frames relayed by the server, never stored: `typing`, `presence`. */
export interface EphemeralFrame {
  type: "typing" | "presence";
  [field: string]: unknown;
}
export type ServerFrame =
  | ReadyFrame
  | EventFrame
  | ResyncRequiredFrame
  | PongFrame
  | ErrorFrame
  | EphemeralFrame;

/** Close codes the server uses (docs/realtime.md, "Errors and close codes"). */
export const CloseCode = {
  NORMAL: 1000,
  ABNORMAL: 1006,
  PROTOCOL_ERROR: 1002,
  INVALID_UTF8: 1007,
  MESSAGE_TOO_BIG: 1009,
  BAD_EVENT_ID: 4400,
  UNAUTHENTICATED: 4401,
  DEVICE_REFUSED: 4403,
  AUTH_TIMEOUT: 4408,
  RESUME_TOO_LATE: 4409,
  FRAME_TOO_LARGE: 4413,
  TOO_SLOW: 4429,
  SERVICE_UNAVAILABLE: 4503,
  /** Sent by this client when it gives up on a silent socket (heartbeat timeout). */
  CLIENT_HEARTBEAT_TIMEOUT: 4000,
} as const;
