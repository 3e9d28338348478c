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
  op: "add" | "update" | "remove";
  message: Message;
}

/** "Deleted for me" (`add`) and taken back (`remove`, with the message), to the member's own devices. */
export interface HiddenMessageEvent {
  type: "hidden_message";
  op: "add" | "remove";
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

/**
 * In the personal stream: this user now follows (joined a broadcast channel) or no longer
 * follows (left, removed) the topic stream `topic` (`conversation:<uuid>`). After a follow
 * the socket sends that topic's events with ids greater than `after`.
 */
export interface StreamFollowEvent {
  type: "stream";
  op: "follow";
  topic: string;
  after: number;
}
export interface StreamUnfollowEvent {
  type: "stream";
  op: "unfollow";
  topic: string;
}

export type PortalEvent = MessageEvent | HiddenMessageEvent | DeviceCommandEvent | StreamFollowEvent | StreamUnfollowEvent | OtherEvent;

// --- Websocket frames (docs/realtime.md; hand-written) -------------------------------------------

/** Topic key (`conversation:<uuid>`) → the id of the last event of that topic processed. */
export type TopicCursors = Record<string, number>;

export interface AuthFrame {
  type: "auth";
  token: string;
  last_event_id?: number;
  topics?: TopicCursors;
}
export interface PingFrame {
  type: "ping";
}
export interface ResumeFrame {
  type: "resume";
  last_event_id: number;
  topics?: TopicCursors;
}
export interface TypingOutFrame {
  type: "typing";
  conversation_id: string;
}
export interface PresenceOutFrame {
  type: "presence";
  state: "online" | "away";
}
/**
 * A message sent over the socket: the REST body of `POST …/messages` plus the conversation
 * and a `ref` (1..64 chars) the answer (`ack` or `error`) echoes.
 */
export type MessageSendFrame = MessageInput & {
  type: "message.send";
  ref: string;
  conversation_id: string;
};
/** A call's signal (docs/api.md, "Calls"): exactly one of an SDP or an ICE candidate (null:
 * the end of candidates), to the other party's device of an answered call. */
export type CallSignal = { sdp: { type: "offer" | "answer"; sdp: string } } | { candidate: RTCIceCandidateInitLike | null };
export interface RTCIceCandidateInitLike {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}
export type CallSignalOutFrame = { type: "call.signal"; call_id: string } & CallSignal;
/** A conference's mesh signal to one participant (docs/api.md, "Mesh signalling"). */
export type ConferenceSignalOutFrame = { type: "conference.signal"; conference_id: string; to: string } & CallSignal;
export type ClientFrame = AuthFrame | PingFrame | ResumeFrame | TypingOutFrame | PresenceOutFrame | MessageSendFrame | CallSignalOutFrame | ConferenceSignalOutFrame;

export interface ReadyFrame {
  type: "ready";
  last_event_id: number;
  user_id: string;
  /** Every topic this socket follows, at its head. */
  topics?: TopicCursors;
}
/** A personal event (no `topic`), or one of a followed topic (its `id` counts along the topic). */
export interface EventFrame {
  type: "event";
  id: number;
  topic?: string;
  event: PortalEvent;
}
/** Events were pruned: of the personal stream (no `topic`, reload everything) or of one topic. */
export interface ResyncRequiredFrame {
  type: "resync_required";
  topic?: string;
}
export interface PongFrame {
  type: "pong";
}
/** With `ref`: the answer to that request frame, `status` the HTTP status REST would give. */
export interface ErrorFrame {
  type: "error";
  ref?: string;
  status?: number;
  error: ErrorBody;
}
/** A request frame (`message.send`) succeeded: `status` and `result` as REST answers them. */
export interface AckFrame {
  type: "ack";
  ref: string;
  status: number;
  result: unknown;
}
/** Short-lived frames relayed by the server, never stored: `typing`, `presence`, a call's
 * `call.signal` (with `call_id`, `from_user_id` and the signal) and a conference's mesh
 * signal (`conference.signal`, with `from`: the sender's participant id). */
export interface EphemeralFrame {
  type: "typing" | "presence" | "call.signal" | "conference.signal";
  [field: string]: unknown;
}
export type ServerFrame =
  | ReadyFrame
  | EventFrame
  | ResyncRequiredFrame
  | PongFrame
  | ErrorFrame
  | AckFrame
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
