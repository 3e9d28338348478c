/**
 * The co-editing connection of one rich-text document, framework-free: a Y.Doc kept in sync
 * with the server through y-websocket's unmodified WebsocketProvider on
 * `/ws/documents/<id>/?ticket=<ticket>` (docs/collab.md).
 *
 * A browser cannot put its bearer token on a WebSocket, so each connection attempt first
 * asks `POST /api/v1/documents/<id>/edit-ticket` for a single-use ticket valid for 60 s and
 * puts it in the provider's `params`. The provider's own reconnect would reuse the spent
 * ticket, so it is switched off for every close (`shouldConnect = false` in
 * `connection-close`) and this module reconnects instead: backoff, a fresh ticket, then
 * `provider.connect()`. A close with 4403 or 4404 (docs/collab.md: device refused, no such
 * document or no access — a revoked share closes with 4404), or a ticket refused with
 * 403/404, ends the attempts (`denied`); anything else (4401 a spent or expired ticket, 4503
 * unavailable, a dropped connection) is retried with a new ticket.
 */
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { ApiError, backoffDelay } from "../realtime/index.js";

export type CollabStatus = "connecting" | "online" | "offline" | "denied";

export interface CollabUser {
  name: string;
  color: string;
}

export interface CollabOptions {
  documentId: string;
  /** The page's origin (`https://portal.example`): the socket goes to the same host. */
  origin: string;
  fetchTicket(documentId: string): Promise<string>;
  onStatus(status: CollabStatus): void;
  /** A WebSocket class (tests: the `ws` package). */
  WebSocketPolyfill?: typeof WebSocket;
  /** Close codes that end the attempts (default 4403, 4404). */
  terminalCodes?: readonly number[];
  /** At most this many attempts in a row before waiting for `reconnect()` (default 20). */
  maxAttempts?: number;
}

export interface CollabConnection {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly status: CollabStatus;
  /** Try again now (after the network came back, say), with a fresh ticket. */
  reconnect(): void;
  destroy(): void;
}

const TERMINAL_CODES = [4403, 4404];

/** The socket's base URL for a page origin: http → ws, https → wss. */
export function collabServerUrl(origin: string): string {
  return `${origin.replace(/^http/, "ws").replace(/\/+$/, "")}/ws/documents`;
}

/** A stable, readable colour per user (the carets and their name labels). */
export function userColor(userId: string): string {
  const palette = ["#1f5fbf", "#b3261e", "#1e7b34", "#8a4baf", "#b55a00", "#00796b", "#ad1457", "#5d4037"];
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length]!;
}

export function connectDocument(options: CollabOptions): CollabConnection {
  const doc = new Y.Doc();
  const terminal = options.terminalCodes ?? TERMINAL_CODES;
  const maxAttempts = options.maxAttempts ?? 20;
  // The room is "<id>/" so that the URL is /ws/documents/<id>/?ticket=… (the route's slash).
  const provider = new WebsocketProvider(collabServerUrl(options.origin), `${options.documentId}/`, doc, {
    connect: false,
    disableBc: true, // another tab's edits come through the server, which checks each one
    shouldReconnect: () => true, // this module decides (see above); the provider stays quiet
    ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
  });
  let status: CollabStatus = "connecting";
  let destroyed = false;
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let opening = false;

  const setStatus = (next: CollabStatus) => {
    if (next === status || destroyed) return;
    status = next;
    options.onStatus(next);
  };

  const open = async () => {
    if (destroyed || opening) return;
    opening = true;
    attempts += 1;
    try {
      const ticket = await options.fetchTicket(options.documentId);
      if (destroyed) return;
      provider.params = { ticket };
      provider.connect();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
        setStatus("denied");
        return;
      }
      setStatus("offline");
      schedule();
    } finally {
      opening = false;
    }
  };

  const schedule = () => {
    if (destroyed || timer || attempts >= maxAttempts) return;
    timer = setTimeout(() => {
      timer = null;
      void open();
    }, backoffDelay(attempts, Math.random, { baseMs: 300, maxMs: 10_000 }));
  };

  // Online once the server's state is in (sync step 2 answered): a socket that is opened
  // and then refused (4403, 4404) was never online.
  provider.on("sync", (synced: boolean) => {
    if (!synced) return;
    attempts = 0;
    setStatus("online");
  });
  provider.on("connection-close", (event: CloseEvent | null) => {
    // The spent ticket must not be used again: no reconnect by the provider.
    provider.shouldConnect = false;
    if (destroyed) return;
    if (event && terminal.includes(event.code)) {
      setStatus("denied");
      return;
    }
    setStatus("offline");
    schedule();
  });

  void open();

  return {
    doc,
    provider,
    get status() {
      return status;
    },
    reconnect() {
      if (destroyed || status === "denied") return;
      if (timer) clearTimeout(timer);
      timer = null;
      attempts = 0;
      if (provider.ws === null) void open();
    },
    destroy() {
      destroyed = true;
      if (timer) clearTimeout(timer);
      provider.destroy();
      doc.destroy();
    },
  };
}
