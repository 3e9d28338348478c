/**
 * What the module needs from its platform, injected so that browsers, React Native and tests
 * each pass their own. Only the standard shapes are assumed (WHATWG WebSocket and fetch).
 */

/** `localStorage`, React Native's AsyncStorage, or an in-memory map: sync or async. */
export interface KeyValueStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

export type TimerHandle = unknown;

/** Time and timers; tests pass fake ones (e.g. Vitest's fake timers) for determinism. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The part of the standard `WebSocket` the module uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface HttpResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  /** JSON text, or a multipart form (an upload: the platform sets its Content-Type). */
  body?: string | FormData;
}

/** The part of the standard `fetch` the module uses; it rejects on network failure. */
export type FetchLike = (url: string, init: HttpRequestInit) => Promise<HttpResponseLike>;

/**
 * Runs `task` while holding the lock `name`, across every copy of the app that shares the
 * storage (browser tabs: the Web Locks API). Refresh tokens are single-use, so two tabs must
 * never refresh with the same one.
 */
export type LockRunner = <T>(name: string, task: () => Promise<T>) => Promise<T>;

interface Globals {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  Date: { now(): number };
  fetch?: FetchLike;
  WebSocket?: new (url: string) => WebSocketLike;
  crypto?: { randomUUID?: () => string };
  navigator?: { locks?: { request<T>(name: string, task: () => Promise<T>): Promise<T> } };
}

const globals = globalThis as unknown as Globals;

export const systemClock: Clock = {
  now: () => globals.Date.now(),
  setTimeout: (callback, ms) => globals.setTimeout(callback, ms),
  clearTimeout: (handle) => globals.clearTimeout(handle),
};

export function defaultFetch(): FetchLike {
  const fetch = globals.fetch;
  if (!fetch) throw new Error("PortalClient: no fetch available; pass options.fetch");
  return (url, init) => fetch(url, init);
}

export function defaultWebSocket(): WebSocketFactory {
  const WebSocketClass = globals.WebSocket;
  if (!WebSocketClass) throw new Error("PortalClient: no WebSocket available; pass options.webSocket");
  return (url) => new WebSocketClass(url);
}

export function defaultRandomUUID(): () => string {
  const crypto = globals.crypto;
  if (!crypto?.randomUUID) throw new Error("PortalClient: no crypto.randomUUID; pass options.randomUUID");
  return () => crypto.randomUUID!();
}

/** The platform's locks (Web Locks in browsers); without them, one process is assumed. */
export function defaultLock(): LockRunner {
  const locks = globals.navigator?.locks;
  if (locks) return (name, task) => locks.request(name, task);
  return (_name, task) => task();
}

/** An in-memory storage, for tests and for platforms that keep nothing across reloads. */
export class MemoryStorage implements KeyValueStorage {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}
