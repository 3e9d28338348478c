/**
 * Portal's wire types. The REST shapes are aliases of the types generated from the server's
 * OpenAPI schema (../api/schema.d.ts, `make frontend-types`), so the client cannot drift from
 * the server: a changed serializer changes these types and tsc points at every use.
 *
 * The websocket frames and event payloads below stay hand-written (docs/realtime.md,
 * portal/realtime/consumers.py). The schema does describe them, as components listed under
 * `x-websocket-events` and `x-websocket-frames`, but those are not operations, and this
 * module deliberately keeps open unions (`OtherEvent`, `EphemeralFrame`) so that an event or
 * frame type added by a newer server passes through instead of failing to type-check; the
 * message inside a `message` event is the generated `Message`. Only type-only imports from
 * ../api: the module stays framework-free and adds nothing at run time.
 */

import type { Schemas } from "../api/index.js";

// --- REST (generated) ----------------------------------------------------------------------

/** The body of every error answer: `{"error": {"code", "message", "details"}}`. */
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorEnvelope = Schemas["Error"];

export type DevicePlatform = Schemas["PlatformEnum"];

/** `device` of `POST /api/v1/auth/login`; `id` is generated once per installation. */
export type DeviceInfo = Schemas["DeviceRequest"];

export type LoginRequest = Schemas["LoginRequest"];
export type RefreshRequest = Schemas["RefreshRequest"];

/** The signed-in user, as the token pair carries it (`Me`: the caller's own profile). */
export type User = Schemas["Me"];

/** The answer of `POST /api/v1/auth/login` and `POST /api/v1/auth/refresh`. */
export type TokenPair = Schemas["Tokens"];

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

export type MentionsInput = Schemas["MentionsRequest"];

/** `POST /api/v1/conversations/{id}/messages`; `client_id` makes retries idempotent. */
export type MessageInput = Schemas["MessageRequest"];

/** A message as the REST API and `message` events carry it (messaging/events.py). */
export type Message = Schemas["Message"];

// --- Events (the payload of an `event` frame; hand-written) -----------------------------------

export interface MessageEvent {
  type: "message";
  op: "add" | "edit" | "delete";
  message: Message;
}

/** "Deleted for me" and taken back, to the member's own devices; `unhide` carries the message. */
export interface MessageHideEvent {
  type: "message";
  op: "hide" | "unhide";
  conversation_id: string;
  message_id: string;
  message?: Message;
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

// --- Websocket frames (docs/realtime.md; hand-written) -------------------------------------------

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
