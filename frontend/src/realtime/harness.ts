/** Shared set-up for the Vitest suite (fake timers, storage, fetch and sockets). */
import { vi } from "vitest";

import { PortalClient, type DeliveredEvent } from "./client.js";
import { MemoryStorage, systemClock } from "./env.js";
import type { SessionOptions } from "./http.js";
import type { ConnectionState, ResyncReason, SocketOptions } from "./socket.js";
import { FakeFetch, FakeSocketHub, tokenPair, type FakeWebSocket } from "./testing.js";
import type { Message } from "./types.js";

export const ORIGIN = "https://portal.test";
export const START = new Date("2026-12-01T10:00:00Z");

let uuidCounter = 0;

export interface Harness {
  client: PortalClient;
  storage: MemoryStorage;
  fake: FakeFetch;
  hub: FakeSocketHub;
  events: DeliveredEvent[];
  states: ConnectionState[];
  resyncs: ResyncReason[];
}

export interface HarnessOptions {
  storage?: MemoryStorage;
  fake?: FakeFetch;
  hub?: FakeSocketHub;
  signedIn?: boolean;
  lastEventId?: number;
  random?: () => number;
  socket?: SocketOptions;
  session?: SessionOptions;
}

/** A client on fake everything; signed in (tokens in storage) unless told otherwise. */
export async function makeClient(options: HarnessOptions = {}): Promise<Harness> {
  const storage = options.storage ?? new MemoryStorage();
  if (options.signedIn ?? true) {
    if (storage.getItem("portal.tokens") === null) {
      storage.setItem("portal.tokens", JSON.stringify(tokenPair(1, Date.now())));
    }
  }
  if (options.lastEventId !== undefined) storage.setItem("portal.last_event_id", String(options.lastEventId));
  const fake = options.fake ?? new FakeFetch(ORIGIN);
  const hub = options.hub ?? new FakeSocketHub();
  const client = new PortalClient({
    baseUrl: ORIGIN,
    storage,
    device: { platform: "web", app_version: "0.1.0" },
    fetch: fake.fetch,
    webSocket: hub.factory,
    clock: systemClock, // Vitest's fake timers replace what it calls
    random: options.random ?? (() => 0.5),
    randomUUID: () => `cid-${++uuidCounter}`,
    socket: options.socket,
    session: options.session,
    onListenerError: (error) => {
      throw error;
    },
  });
  const events: DeliveredEvent[] = [];
  const states: ConnectionState[] = [];
  const resyncs: ResyncReason[] = [];
  client.on("event", (event) => events.push(event));
  client.on("state", (state) => states.push(state));
  client.on("resync", (reason) => resyncs.push(reason));
  await client.init();
  await tick();
  return { client, storage, fake, hub, events, states, resyncs };
}

export function tick(ms = 0): Promise<unknown> {
  return vi.advanceTimersByTimeAsync(ms);
}

/** The server side of a successful connect: open, then `ready`. */
export function serverAccepts(socket: FakeWebSocket, head = 0, userId = "user-1"): void {
  socket.open();
  socket.push({ type: "ready", last_event_id: head, user_id: userId });
}

export function message(clientId: string, seq: number, authorId = "user-1"): Message {
  return {
    id: `msg-${seq}`,
    conversation_id: "conv-1",
    seq,
    author_id: authorId,
    client_id: clientId,
    kind: "text",
    body: `body ${seq}`,
    body_html: `<p>body ${seq}</p>`,
    system: {},
    reply_to: null,
    thread_root: null,
    reply_count: 0,
    last_reply_at: null,
    forwarded_from: null,
    mentions: { users: [], departments: [], all: false },
    created_at: START.toISOString(),
    edited_at: null,
    edit_count: 0,
    deleted: false,
    reactions: [],
    poll: null,
    attachments: [],
  };
}

export function messageEvent(id: number, msg: Message): { type: "event"; id: number; event: Record<string, unknown> } {
  return { type: "event", id, event: { type: "message", op: "add", message: msg } };
}

export function testEvent(id: number): { type: "event"; id: number; event: Record<string, unknown> } {
  return { type: "event", id, event: { type: "test", op: "ping" } };
}
