import { backoffDelay, type BackoffOptions } from "./backoff.js";
import type { Clock, TimerHandle, WebSocketFactory, WebSocketLike } from "./env.js";
import { ApiError } from "./http.js";
import {
  CloseCode,
  type AckFrame,
  type ClientFrame,
  type EphemeralFrame,
  type ErrorBody,
  type ErrorFrame,
  type EventFrame,
  type MessageSendFrame,
  type PortalEvent,
  type ServerFrame,
  type TopicCursors,
} from "./types.js";

/** Where the connection stands; the app renders this (banner, sign-in, policy screen). */
export type ConnectionState =
  | { status: "signed_out"; reason: string | null; error: ErrorBody | null }
  | { status: "stopped" }
  | { status: "connecting"; attempt: number }
  | { status: "online"; userId: string; headEventId: number }
  | {
      status: "reconnecting";
      attempt: number;
      delayMs: number;
      nextAttemptAt: number;
      closeCode: number;
      error: ErrorBody | null;
    }
  | { status: "device_refused"; reason: string; error: ErrorBody };

/** Why the app must reload its state over REST (`GET /api/v1/sync`, conversation lists). */
export type ResyncReason = "initial" | "resync_required" | "invalid_event_id";

/**
 * Why the app must reload one topic's conversation (not the whole state): `new`, the socket
 * follows a topic the client had no cursor for (it starts at the head: what came before
 * was never seen); `resync_required`, the topic's events after the cursor were pruned.
 */
export type TopicResyncReason = "new" | "resync_required";

/** A frame the server answers with `ack` or `error` carrying its `ref`. */
export type RequestFrame = Omit<MessageSendFrame, "ref">;

/** The `ack` of a request frame: the status and body REST would have answered. */
export interface RequestAnswer {
  status: number;
  result: unknown;
}

/**
 * A request got no answer on the socket: it was not online, closed before answering, took
 * longer than `ackTimeoutMs`, or is a server that does not take the frame. Whether the
 * server acted on it is unknown, so it is only safe to repeat an idempotent request.
 */
export class SocketUnavailable extends Error {
  constructor(readonly reason: "offline" | "closed" | "timeout" | "unsupported") {
    super(`socket request: ${reason}`);
    this.name = "SocketUnavailable";
  }
}

export interface SocketOptions {
  backoff?: BackoffOptions;
  /** Send a `ping` after this long without any frame (default 25 s). */
  pingIntervalMs?: number;
  /** A socket silent this long after a ping (or after connecting) is dead (default 10 s). */
  pongTimeoutMs?: number;
  /** No `ready` this long after starting to connect: give up on the socket (default 20 s). */
  connectTimeoutMs?: number;
  /** Online this long: the back-off starts again from 1 s (default 30 s). */
  stableAfterMs?: number;
  /** A request frame without `ack` or `error` this long has failed (default 10 s). */
  ackTimeoutMs?: number;
}

export interface SocketHost {
  clock: Clock;
  random: () => number;
  createSocket: WebSocketFactory;
  url: string;
  /** A usable access token (refreshing first if needed); rejects when signed out. */
  accessToken(): Promise<string>;
  /** Refresh after 4401 `token_expired`; rejects when the session is over. */
  refreshToken(staleAccessToken: string): Promise<unknown>;
  signedOut(reason: string, error: ErrorBody | null): void;
  lastEventId(): number | null;
  setLastEventId(id: number | null): void;
  /** Topic key → the id of the last event of it delivered (resumed from with the personal id). */
  topicCursors(): Readonly<TopicCursors>;
  /** Set one topic's cursor, or drop the topic (`null`: not followed any more). */
  setTopicCursor(topic: string, id: number | null): void;
  /** Replace every topic cursor (the topics `ready` lists are the ones this socket follows). */
  setTopicCursors(cursors: TopicCursors): void;
  /** Reload the conversation of this topic over REST; the rest of the state stands. */
  topicResync(topic: string, reason: TopicResyncReason): void;
  setState(state: ConnectionState): void;
  /** An event that passed the exactly-once check. */
  deliver(frame: EventFrame): void;
  resync(reason: ResyncReason): void;
  ephemeral(frame: EphemeralFrame): void;
  /** An error frame that did not close the socket, or a close the client should log. */
  protocolError(error: ErrorBody | null, closeCode: number | null): void;
}

/** Close codes after which the client reconnects at once (then with back-off if repeated). */
const RECONNECT_AT_ONCE: ReadonlySet<number> = new Set([
  CloseCode.BAD_EVENT_ID,
  CloseCode.AUTH_TIMEOUT,
  CloseCode.RESUME_TOO_LATE,
  CloseCode.TOO_SLOW,
]);
/** Close codes that mean this client broke the protocol: reported, then back-off. */
const CLIENT_FAULT: ReadonlySet<number> = new Set([
  CloseCode.FRAME_TOO_LARGE,
  CloseCode.MESSAGE_TOO_BIG,
  CloseCode.PROTOCOL_ERROR,
  CloseCode.INVALID_UTF8,
]);

/**
 * The `/ws/` event socket: one socket at a time, authenticated with an auth frame that
 * carries the last delivered event id, events delivered once each in increasing id order,
 * a heartbeat, and reconnects with back-off mapped from the close codes (docs/realtime.md).
 */
export class EventSocket {
  private ws: WebSocketLike | null = null;
  private running = false;
  private generation = 0;
  private attempt = 0;
  private lastError: ErrorBody | null = null;
  private head = 0;
  /** The current socket got `ready`: it is signed in. */
  private isReady = false;
  /** Why the next `ready` without a stored id asks the app to reload. */
  private resyncReason: ResyncReason = "initial";
  /** The topic heads of the last `ready`: where a pruned topic resumes. */
  private topicHeads: TopicCursors = {};
  /** Request frames sent on the current socket and not answered yet, by `ref`. */
  private readonly requests = new Map<
    string,
    { resolve: (answer: RequestAnswer) => void; reject: (error: Error) => void; timer: TimerHandle }
  >();
  private refCounter = 0;
  private reconnectTimer: TimerHandle | null = null;
  private watchdog: TimerHandle | null = null;
  private idleTimer: TimerHandle | null = null;
  private stableTimer: TimerHandle | null = null;
  private readonly opts: Required<Omit<SocketOptions, "backoff">> & { backoff: BackoffOptions };
  /** Sockets opened so far, and how many are open now (for tests and diagnostics). */
  socketsOpened = 0;
  openSockets = 0;
  maxOpenSockets = 0;

  constructor(private readonly host: SocketHost, options: SocketOptions = {}) {
    this.opts = {
      backoff: options.backoff ?? {},
      pingIntervalMs: options.pingIntervalMs ?? 25_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 20_000,
      stableAfterMs: options.stableAfterMs ?? 30_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    };
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  /** Close the socket and stop reconnecting (sign-out, app in background, ...). */
  stop(state: ConnectionState = { status: "stopped" }): void {
    this.running = false;
    this.generation += 1;
    this.drop(CloseCode.NORMAL, "client stopped");
    this.clearTimer("reconnectTimer");
    this.host.setState(state);
  }

  /** Skip the back-off wait (e.g. the platform reports the network is back). */
  reconnectNow(): void {
    if (!this.running) {
      this.start();
      return;
    }
    if (this.reconnectTimer !== null) {
      this.clearTimer("reconnectTimer");
      void this.connect();
    }
  }

  /** Send a frame on the signed-in socket; before `ready` any frame but auth closes it (4401). */
  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== 1 || !this.isReady) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** The signed-in socket is open: a request frame can go now. */
  get canRequest(): boolean {
    return this.ws !== null && this.ws.readyState === 1 && this.isReady;
  }

  /**
   * Send a request frame with a fresh `ref` and wait for its `ack` (resolves) or its error
   * frame (rejects with the ApiError REST would have thrown for that status). Rejects with
   * SocketUnavailable when there is no answer: not online, the socket closed, or none
   * within `ackTimeoutMs`.
   */
  request(frame: RequestFrame): Promise<RequestAnswer> {
    const ref = `r-${++this.refCounter}`;
    return new Promise<RequestAnswer>((resolve, reject) => {
      const timer = this.host.clock.setTimeout(() => {
        this.requests.delete(ref);
        reject(new SocketUnavailable("timeout"));
      }, this.opts.ackTimeoutMs);
      this.requests.set(ref, { resolve, reject, timer });
      if (!this.send({ ...frame, ref })) {
        this.settle(ref);
        reject(new SocketUnavailable("offline"));
      }
    });
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.drop(CloseCode.NORMAL, "reconnecting");
    this.host.setState({ status: "connecting", attempt: this.attempt });
    let token: string;
    try {
      token = await this.host.accessToken();
    } catch (error) {
      if (generation !== this.generation || !this.running) return;
      if (error instanceof Error && error.name === "SignedOutError") return; // state already set
      this.scheduleReconnect(CloseCode.ABNORMAL, null, false); // refresh failed for now
      return;
    }
    if (generation !== this.generation || !this.running) return;
    this.lastError = null;
    this.isReady = false;
    this.currentTokenHint = token;
    const ws = this.host.createSocket(this.host.url);
    this.ws = ws;
    this.socketsOpened += 1;
    this.openSockets += 1;
    this.maxOpenSockets = Math.max(this.maxOpenSockets, this.openSockets);
    this.arm("watchdog", this.opts.connectTimeoutMs, () => this.dead(ws));
    ws.onopen = () => {
      if (ws !== this.ws) return;
      const frame: ClientFrame = { type: "auth", token };
      const last = this.host.lastEventId();
      if (last !== null) {
        frame.last_event_id = last;
        // Topic cursors only beside a personal one: without it the client reloads everything.
        const topics = this.host.topicCursors();
        if (Object.keys(topics).length > 0) frame.topics = { ...topics };
      }
      ws.send(JSON.stringify(frame));
    };
    ws.onmessage = (message) => {
      if (ws === this.ws) this.onFrame(ws, message.data);
    };
    ws.onclose = (close) => {
      if (ws !== this.ws) return;
      this.detach(ws);
      this.ws = null;
      this.isReady = false;
      this.onClose(close.code);
    };
    ws.onerror = () => {
      // A close event follows; that is where the client acts.
    };
  }

  private onFrame(ws: WebSocketLike, data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== "object" || typeof frame.type !== "string") return;
    if (frame.type === "ready") this.isReady = true;
    if (this.isReady) {
      // Any frame proves the socket alive: wait for silence again. (Before `ready` the
      // connect deadline stands, and a ping would be refused.)
      this.clearTimer("watchdog");
      this.arm("idleTimer", this.opts.pingIntervalMs, () => this.ping(ws));
    }
    switch (frame.type) {
      case "ready": {
        const ready = frame as { last_event_id: number; user_id: string; topics?: unknown };
        this.head = ready.last_event_id;
        const fullResync = this.host.lastEventId() === null;
        if (ready.topics !== undefined) this.followed(cursorsOf(ready.topics), fullResync);
        this.arm("stableTimer", this.opts.stableAfterMs, () => {
          this.attempt = 0;
        });
        this.host.setState({ status: "online", userId: ready.user_id, headEventId: ready.last_event_id });
        if (this.host.lastEventId() === null) {
          // Nothing stored: the app loads its state over REST; events after the head follow.
          this.host.setLastEventId(ready.last_event_id);
          this.host.resync(this.resyncReason);
          this.resyncReason = "initial";
        }
        break;
      }
      case "event": {
        const event = frame as EventFrame;
        if (typeof event.id !== "number" || !Number.isSafeInteger(event.id)) return;
        if (typeof event.topic === "string") {
          // A topic counts its own ids: the same once-only rule, against its own cursor.
          const cursor = this.host.topicCursors()[event.topic];
          if (cursor !== undefined && event.id <= cursor) return;
          this.host.setTopicCursor(event.topic, event.id);
          this.host.deliver(event);
          return;
        }
        const last = this.host.lastEventId();
        if (last !== null && event.id <= last) return; // a repeat, or older than one delivered
        this.host.setLastEventId(event.id);
        if (event.event?.type === "stream") this.stream(event.event);
        this.host.deliver(event);
        break;
      }
      case "resync_required": {
        const topic = (frame as { topic?: unknown }).topic;
        if (typeof topic === "string") {
          // Only that topic's events are gone: it goes on from its head, its conversation is
          // reloaded. Unknown head (followed after `ready`): drop the cursor, so the next
          // `ready` treats the topic as new and its conversation is reloaded again.
          const head = this.topicHeads[topic];
          const cursor = this.host.topicCursors()[topic];
          if (head === undefined) this.host.setTopicCursor(topic, null);
          else if (cursor === undefined || cursor < head) this.host.setTopicCursor(topic, head);
          this.host.topicResync(topic, "resync_required");
          break;
        }
        // Events after the head follow; what came before must be reloaded over REST.
        const last = this.host.lastEventId();
        if (last === null || last < this.head) this.host.setLastEventId(this.head);
        this.host.resync("resync_required");
        break;
      }
      case "pong":
        break;
      case "ack": {
        const ack = frame as AckFrame;
        const request = typeof ack.ref === "string" ? this.requests.get(ack.ref) : undefined;
        if (!request) return; // timed out already (the caller went on over REST), or not ours
        this.settle(ack.ref);
        request.resolve({ status: typeof ack.status === "number" ? ack.status : 200, result: ack.result });
        break;
      }
      case "error": {
        const answer = frame as ErrorFrame;
        const request = typeof answer.ref === "string" ? this.requests.get(answer.ref) : undefined;
        if (request) {
          // The answer to a request: refused as REST would have refused it; the socket stays.
          this.settle(answer.ref!);
          request.reject(apiErrorOf(answer));
          return;
        }
        if (typeof answer.ref === "string") return; // the answer to a request given up on
        const error = answer.error ?? null;
        if (error?.code === "unknown_frame_type" && this.requests.size > 0) {
          // A server without socket sending answers without the ref: nothing was done.
          this.failRequests("unsupported");
        }
        this.lastError = error; // a close usually follows; its code says what to do
        this.host.protocolError(error, null);
        break;
      }
      case "typing":
      case "presence":
      case "call.signal":
      case "conference.signal":
        this.host.ephemeral(frame as EphemeralFrame);
        break;
      default:
        break;
    }
  }

  /**
   * `ready` lists the topics this socket follows, at their heads. Topics the client has a
   * cursor for resume from it (the server sends what was missed); a topic it had none for
   * starts at the head and its conversation is reloaded; cursors of topics not listed are
   * dropped (left while away: the server ignores them). After a full resync every topic
   * starts at its head and the app's reload covers them all.
   */
  private followed(heads: TopicCursors, fullResync: boolean): void {
    this.topicHeads = heads;
    const cursors = this.host.topicCursors();
    const next: TopicCursors = {};
    const fresh: string[] = [];
    for (const [topic, head] of Object.entries(heads)) {
      const cursor = cursors[topic];
      if (!fullResync && cursor !== undefined) next[topic] = cursor;
      else {
        next[topic] = head;
        if (!fullResync) fresh.push(topic);
      }
    }
    this.host.setTopicCursors(next);
    for (const topic of fresh) this.host.topicResync(topic, "new");
  }

  /**
   * `stream.follow` (joined a broadcast channel): the topic's events with ids above `after`
   * follow; a cursor already past it (the topic's head from `ready`) stays, so no event is
   * delivered twice. `stream.unfollow`: the topic is dropped.
   */
  private stream(event: PortalEvent): void {
    const { op, topic, after } = event as { op?: unknown; topic?: unknown; after?: unknown };
    if (typeof topic !== "string") return;
    if (op === "unfollow") {
      this.host.setTopicCursor(topic, null);
      delete this.topicHeads[topic];
    } else if (op === "follow" && typeof after === "number" && Number.isSafeInteger(after)) {
      const cursor = this.host.topicCursors()[topic];
      if (cursor === undefined || cursor < after) this.host.setTopicCursor(topic, after);
    }
  }

  private settle(ref: string): void {
    const request = this.requests.get(ref);
    if (!request) return;
    this.host.clock.clearTimeout(request.timer);
    this.requests.delete(ref);
  }

  /** Every request in flight gets no answer (the socket closed, or cannot take them). */
  private failRequests(reason: SocketUnavailable["reason"]): void {
    for (const [ref, request] of [...this.requests]) {
      this.settle(ref);
      request.reject(new SocketUnavailable(reason));
    }
  }

  private ping(ws: WebSocketLike): void {
    if (ws !== this.ws || !this.send({ type: "ping" })) return;
    this.arm("watchdog", this.opts.pongTimeoutMs, () => this.dead(ws));
  }

  /** A socket that stopped answering: close it ourselves and reconnect as after a drop. */
  private dead(ws: WebSocketLike): void {
    if (ws !== this.ws) return;
    this.drop(CloseCode.CLIENT_HEARTBEAT_TIMEOUT, "heartbeat timeout");
    this.scheduleReconnect(CloseCode.ABNORMAL, null, false);
  }

  private onClose(code: number): void {
    this.clearTimer("watchdog");
    this.clearTimer("idleTimer");
    this.clearTimer("stableTimer");
    if (!this.running) return;
    const error = this.lastError;
    this.lastError = null;
    if (code === CloseCode.UNAUTHENTICATED) {
      if (error?.code === "token_expired") {
        const stale = this.currentTokenHint;
        const generation = this.generation;
        this.host.setState({ status: "connecting", attempt: this.attempt });
        this.host.refreshToken(stale).then(
          () => {
            // At once the first time; a server that keeps saying "expired" gets back-off.
            if (this.running && generation === this.generation) this.scheduleReconnect(code, error, true);
          },
          (failure: unknown) => {
            if (!this.running || generation !== this.generation) return;
            if (failure instanceof Error && failure.name === "SignedOutError") return;
            this.scheduleReconnect(code, error, false);
          },
        );
        return;
      }
      const reason = (error?.details?.["reason"] as string | undefined) ?? error?.code ?? "not_authenticated";
      this.running = false;
      this.host.signedOut(reason, error);
      return;
    }
    if (code === CloseCode.DEVICE_REFUSED) {
      const body = error ?? { code: "device_refused", message: "", details: {} };
      const reason = (body.details?.["reason"] as string | undefined) ?? body.code;
      this.stop({ status: "device_refused", reason, error: body });
      return;
    }
    if (code === CloseCode.BAD_EVENT_ID) {
      // The stored position is unusable (the personal one or a topic's; the error does not
      // say which): start every stream from its head and reload over REST.
      this.host.setLastEventId(null);
      this.host.setTopicCursors({});
      this.resyncReason = "invalid_event_id";
    }
    if (CLIENT_FAULT.has(code)) this.host.protocolError(error, code);
    this.scheduleReconnect(code, error, RECONNECT_AT_ONCE.has(code));
  }

  /** The access token the last socket authenticated with, for a shared refresh. */
  private currentTokenHint = "";

  private scheduleReconnect(code: number, error: ErrorBody | null, atOnce: boolean): void {
    this.clearTimer("reconnectTimer");
    const immediate = atOnce && this.attempt === 0;
    this.attempt += 1;
    const delayMs = immediate ? 0 : backoffDelay(this.attempt, this.host.random, this.opts.backoff);
    this.host.setState({
      status: "reconnecting",
      attempt: this.attempt,
      delayMs,
      nextAttemptAt: this.host.clock.now() + delayMs,
      closeCode: code,
      error,
    });
    this.reconnectTimer = this.host.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) void this.connect();
    }, delayMs);
  }

  private drop(code: number, reason: string): void {
    this.clearTimer("watchdog");
    this.clearTimer("idleTimer");
    this.clearTimer("stableTimer");
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.isReady = false;
    this.detach(ws);
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  private detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    this.openSockets -= 1;
    // Answers to requests sent on it can no longer come.
    this.failRequests("closed");
  }

  private arm(name: "watchdog" | "idleTimer" | "stableTimer", ms: number, callback: () => void): void {
    this.clearTimer(name);
    this[name] = this.host.clock.setTimeout(() => {
      this[name] = null;
      callback();
    }, ms);
  }

  private clearTimer(name: "watchdog" | "idleTimer" | "stableTimer" | "reconnectTimer"): void {
    const handle = this[name];
    if (handle !== null) this.host.clock.clearTimeout(handle);
    this[name] = null;
  }
}

/** The valid entries of a `topics` map (topic key → a non-negative integer id). */
export function cursorsOf(value: unknown): TopicCursors {
  const cursors: TopicCursors = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return cursors;
  for (const [topic, id] of Object.entries(value as Record<string, unknown>)) {
    if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) cursors[topic] = id;
  }
  return cursors;
}

/** An error frame answering a request, as the ApiError REST would have thrown. */
function apiErrorOf(frame: ErrorFrame): ApiError {
  const status = typeof frame.status === "number" ? frame.status : 400;
  const body = frame.error ?? { code: `http_${status}`, message: `HTTP ${status}`, details: {} };
  const details = body.details && typeof body.details === "object" ? body.details : {};
  const retryAfter = details["retry_after"];
  return new ApiError(
    status,
    body.code,
    body.message,
    details,
    typeof retryAfter === "number" && retryAfter >= 0 ? retryAfter : null,
  );
}
