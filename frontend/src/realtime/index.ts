/** Portal's realtime protocol module: framework-free, reusable as a reference client. */
export { PortalClient } from "./client.js";
export type { ClientEvents, Credentials, DeliveredEvent, PortalClientOptions, SignInResult, TopicResync } from "./client.js";
export { ApiError, NetworkError, SignedOutError } from "./http.js";
export type { ConnectionState, ResyncReason, SocketOptions, TopicResyncReason } from "./socket.js";
export type { OutgoingMessage, SendOptions } from "./outbox.js";
export { backoffDelay } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
export { MemoryStorage, systemClock } from "./env.js";
export type { Clock, FetchLike, HttpResponseLike, KeyValueStorage, WebSocketFactory, WebSocketLike } from "./env.js";
export * from "./types.js";
