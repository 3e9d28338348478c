import { backoffDelay, type BackoffOptions } from "./backoff.js";
import type { Clock, TimerHandle, WebSocketFactory, WebSocketLike } from "./env.js";
import { CloseCode, type ClientFrame, type EphemeralFrame, type ErrorBody, type EventFrame, type ServerFrame } from "./types.js";

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
      if (last !== null) frame.last_event_id = last;
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
        const ready = frame as { last_event_id: number; user_id: string };
        this.head = ready.last_event_id;
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
        const last = this.host.lastEventId();
        if (last !== null && event.id <= last) return; // a repeat, or older than one delivered
        this.host.setLastEventId(event.id);
        this.host.deliver(event);
        break;
      }
      case "resync_required": {
        // Events after the head follow; what came before must be reloaded over REST.
        const last = this.host.lastEventId();
        if (last === null || last < this.head) this.host.setLastEventId(this.head);
        this.host.resync("resync_required");
        break;
      }
      case "pong":
        break;
      case "error": {
        const error = (frame as { error?: ErrorBody }).error ?? null;
        this.lastError = error; // a close usually follows; its code says what to do
        this.host.protocolError(error, null);
        break;
      }
      case "typing":
      case "presence":
        this.host.ephemeral(frame as EphemeralFrame);
        break;
      default:
        break;
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
      // The stored position is unusable: start from the head and reload over REST.
      this.host.setLastEventId(null);
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
