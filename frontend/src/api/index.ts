/**
 * Readable names for the API types the app uses. Everything here is an alias of
 * `schema.d.ts`, which is generated from the server's OpenAPI schema (`make frontend-types`;
 * `make lint` fails when it is stale). Change the server's serializers, not these types.
 */
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** Every component of the schema, by name: `Schemas["Message"]`. */
export type Schemas = components["schemas"];

// --- Lists ---------------------------------------------------------------------------------

/** The list envelope of every paged answer: `?cursor=` takes `next` or `previous`. */
export type Page<T> = {
  results: T[];
  /** The cursor of the next page; null at the end. */
  next: string | null;
  /** The cursor of the previous page; null at the start. */
  previous: string | null;
};

// --- Errors --------------------------------------------------------------------------------

/** The body of every error answer, REST and websocket alike. */
export type ErrorEnvelope = Schemas["Error"];
/** `{code, message, details}` inside `ErrorEnvelope`. */
export type ErrorBody = Schemas["ErrorBody"];

// --- Sign-in and sessions ------------------------------------------------------------------

export type LoginRequest = Schemas["LoginRequest"];
export type BrowserLoginRequest = Schemas["BrowserLoginRequest"];
/** `device` of a sign-in; `id` is generated once per installation. */
export type DeviceRequest = Schemas["DeviceRequest"];
export type DevicePlatform = Schemas["PlatformEnum"];
export type RefreshRequest = Schemas["RefreshRequest"];
/** The answer of `POST /auth/login` and `POST /auth/refresh`. */
export type Tokens = Schemas["Tokens"];
/** A signed-in session (`GET /auth/sessions`). */
export type Session = Schemas["Session"];
export type Device = Schemas["Device"];

// --- People and organisation ---------------------------------------------------------------

/** The caller's own profile (`GET /me`, `Tokens.user`, `Sync.me`). */
export type Me = Schemas["Me"];
export type ProfilePatch = Schemas["PatchedProfileRequest"];
/** A user as the directory shows them to others. */
export type User = Schemas["User"];
export type Agency = Schemas["Agency"];
export type AgencyBrief = Schemas["AgencyBrief"];
export type Department = Schemas["Department"];
export type DepartmentBrief = Schemas["DepartmentBrief"];

// --- Conversations -------------------------------------------------------------------------

/** A conversation as events and the directory carry it, without the caller's membership. */
export type Conversation = Schemas["Conversation"];
/** A conversation in the caller's list (`GET /conversations`): with role, unread, settings. */
export type MyConversation = Schemas["MyConversation"];
/** A conversation in `Sync.conversations`: as in the list, plus its last message. */
export type SyncConversation = Schemas["SyncConversation"];
export type ConversationKind = Schemas["ConversationKindEnum"];
export type MemberRole = Schemas["RoleEnum"];
/** One row of `GET /conversations/{id}/members`: the person, their role, when they joined. */
export type ConversationMember = Schemas["Member"];
/** `GET /sync`: the state to start from, and the event id to resume the socket at. */
export type Sync = Schemas["Sync"];
export type PresenceState = Sync["presence"][string];

// --- Messages ------------------------------------------------------------------------------

export type Message = Schemas["Message"];
export type MessageKind = Schemas["MessageKindEnum"];
/** `POST /conversations/{id}/messages`; `client_id` makes retries idempotent. */
export type MessageRequest = Schemas["MessageRequest"];
export type MentionsRequest = Schemas["MentionsRequest"];
export type MessageMentions = Schemas["MessageMentions"];
export type SystemRecord = Schemas["SystemRecord"];
export type ForwardedFrom = Schemas["ForwardedFrom"];
export type Reaction = Schemas["Reaction"];
export type Poll = Schemas["Poll"];
export type PollOption = Schemas["PollOption"];
export type Attachment = Schemas["Attachment"];
/** `GET /attachments/{id}/link`: a short-lived link for the caller only. */
export type AttachmentLink = Schemas["AttachmentLink"];
/** One earlier version of an edited message (`GET /messages/{id}/edits`). */
export type MessageEdit = Schemas["MessageEdit"];
/** `GET /messages/{id}/thread`: the root and a page of replies. */
export type ThreadPage = Schemas["ThreadPage"];
export type ScheduledMessage = Schemas["ScheduledMessage"];
export type SearchResult = Schemas["SearchResult"];

// --- Notifications -------------------------------------------------------------------------

export type Notification = Schemas["Notification"];
export type NotificationSettings = Schemas["NotificationSettings"];
