/**
 * Test doubles for the module's injected interfaces: a fake WebSocket the test drives as the
 * server, and a fake fetch with per-route handlers. Used by the Vitest suite; a mobile team
 * can port them to test their own client against the same scenarios.
 */
import type { FetchLike, HttpRequestInit, HttpResponseLike, WebSocketLike } from "./env.js";
import type { ClientFrame, ServerFrame, TokenPair, User } from "./types.js";

export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Frames the client sent, parsed. */
  readonly sent: ClientFrame[] = [];
  closedByClient: { code: number | undefined; reason: string | undefined } | null = null;

  constructor(readonly url: string) {}

  /** The server's answer to a frame the client sent, if it answers by itself (see FakeSocketHub). */
  answer: ((frame: ClientFrame) => ServerFrame | Record<string, unknown> | null) | null = null;

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    const frame = JSON.parse(data) as ClientFrame;
    this.sent.push(frame);
    const answer = this.answer?.(frame) ?? null;
    // Later, as a network would: never inside the client's send().
    if (answer) queueMicrotask(() => this.readyState === 1 && this.push(answer));
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedByClient = { code, reason };
    this.readyState = 3;
    // A browser would fire onclose later; the client detaches its handlers first.
    this.onclose?.({ code: 1005, reason: "" });
  }

  // --- the server's side ---
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  push(frame: ServerFrame | Record<string, unknown>): void {
    if (this.readyState !== 1) throw new Error("push on a socket that is not open");
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  pushRaw(data: string): void {
    this.onmessage?.({ data });
  }

  /** The server sends an error frame (when given) and closes with `code`. */
  serverClose(code: number, error?: { code: string; details?: Record<string, unknown> }): void {
    if (error) this.push({ type: "error", error: { code: error.code, message: error.code, details: error.details ?? {} } });
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }

  get isOpen(): boolean {
    return this.readyState === 1;
  }
}

/**
 * Records every socket the client creates. With `answer`, each socket answers the frames the
 * client sends by itself (the test stays the server for everything else).
 */
export class FakeSocketHub {
  readonly sockets: FakeWebSocket[] = [];

  constructor(private readonly answer: FakeWebSocket["answer"] = null) {}

  readonly factory = (url: string): WebSocketLike => {
    const socket = new FakeWebSocket(url);
    socket.answer = this.answer;
    this.sockets.push(socket);
    return socket;
  };

  get last(): FakeWebSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error("no socket was created");
    return socket;
  }

  /** Sockets neither closed by the server nor by the client. */
  get live(): FakeWebSocket[] {
    return this.sockets.filter((socket) => socket.readyState < 2);
  }
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

/** A fetch that answers from handlers keyed `"POST /api/v1/auth/login"`; 404 otherwise. */
export class FakeFetch {
  readonly calls: FakeRequest[] = [];
  private readonly handlers = new Map<string, FakeHandler>();

  constructor(private readonly origin: string) {}

  on(route: string, handler: FakeHandler): this {
    this.handlers.set(route, handler);
    return this;
  }

  callsTo(route: string): FakeRequest[] {
    return this.calls.filter((call) => `${call.method} ${call.path}` === route);
  }

  readonly fetch: FetchLike = async (url: string, init: HttpRequestInit): Promise<HttpResponseLike> => {
    if (!url.startsWith(this.origin)) throw new Error(`unexpected origin: ${url}`);
    const path = url.slice(this.origin.length);
    const request: FakeRequest = {
      method: init.method,
      path,
      headers: init.headers,
      body: typeof init.body === "string" ? JSON.parse(init.body) : init.body,
    };
    this.calls.push(request);
    const handler = this.handlers.get(`${init.method} ${path}`);
    const answer = handler ? await handler(request) : { status: 404, body: error("not_found") };
    const headers = new Map(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
    return { status: answer.status, headers: { get: (name) => headers.get(name.toLowerCase()) ?? null }, text: async () => text };
  };
}

/**
 * A server that does not take `message.send` (one from before it, or a proxy that filters
 * frames): it answers, as Portal answers any unknown frame, with `unknown_frame_type` and no
 * `ref`, so the client sends over REST at once.
 */
export function serverWithoutSocketSend(): FakeSocketHub {
  return new FakeSocketHub((frame) =>
    frame.type === "message.send" ? { type: "error", error: { code: "unknown_frame_type", message: "", details: { type: frame.type } } } : null,
  );
}

/** A network failure, as fetch reports it. */
export class FakeNetworkFailure extends TypeError {
  constructor() {
    super("Failed to fetch");
  }
}

export function error(code: string, details: Record<string, unknown> = {}): { error: { code: string; message: string; details: Record<string, unknown> } } {
  return { error: { code, message: `message for ${code}`, details } };
}

export function tokenPair(n: number, now: number, userId = "user-1", ttlMs = 3_600_000): TokenPair {
  return {
    token_type: "Bearer",
    access_token: `pat_${n}`,
    access_expires_at: new Date(now + ttlMs).toISOString(),
    refresh_token: `prt_${n}`,
    refresh_expires_at: new Date(now + 30 * 86_400_000).toISOString(),
    session_id: "session-1",
    device_id: "device-1",
    user: me(userId),
  };
}

/** The signed-in user as `Tokens.user` carries it. */
export function me(id = "user-1"): User {
  return {
    id,
    login: "ivanova",
    last_name: "Иванова",
    first_name: "Анна",
    middle_name: "",
    full_name: "Иванова Анна",
    position: "",
    agency: null,
    department: null,
    email: "",
    phone: "",
    avatar: null,
    is_bot: false,
    language: "ru",
    time_zone: "Europe/Moscow",
    is_staff: false,
    two_factor_enabled: false,
    two_factor_required: false,
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
