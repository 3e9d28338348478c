import type { BackoffOptions } from "./backoff.js";
import { Emitter } from "./emitter.js";
import {
  defaultFetch,
  defaultRandomUUID,
  defaultWebSocket,
  systemClock,
  type Clock,
  type FetchLike,
  type KeyValueStorage,
  type WebSocketFactory,
} from "./env.js";
import { Api, ApiError, Http, NetworkError, Session, SignedOutError, isDeviceRefusal, type HttpResult, type SessionOptions } from "./http.js";
import { Outbox, type OutgoingMessage, type SendOptions } from "./outbox.js";
import {
  EventSocket,
  SocketUnavailable,
  cursorsOf,
  type ConnectionState,
  type ResyncReason,
  type SocketOptions,
  type TopicResyncReason,
} from "./socket.js";
import { PersistentStore, StoreKey } from "./store.js";
import type {
  CallSignal,
  ConferenceSignalOutFrame,
  DeviceInfo,
  EphemeralFrame,
  ErrorBody,
  EventFrame,
  Message,
  MessageInput,
  PortalEvent,
  TokenPair,
  TopicCursors,
  User,
} from "./types.js";

export interface PortalClientOptions {
  /** The server's origin, e.g. `https://portal.example.gov`; `/ws/` is derived from it. */
  baseUrl: string;
  /** Tokens, the last event id and the outbox survive reloads through this. */
  storage: KeyValueStorage;
  /** This installation, sent at sign-in; its `id` is generated once and kept in storage. */
  device: Omit<DeviceInfo, "id">;
  fetch?: FetchLike;
  webSocket?: WebSocketFactory;
  clock?: Clock;
  /** In [0, 1); for back-off jitter. */
  random?: () => number;
  randomUUID?: () => string;
  /** Sent as Accept-Language: server messages before sign-in come in it (default Russian). */
  language?: string;
  /** Keys in storage start with this (default `portal.`). */
  storagePrefix?: string;
  socket?: SocketOptions;
  session?: SessionOptions;
  /** Retry delays for failed sends (default 1 s doubling to 60 s, with jitter). */
  sendBackoff?: BackoffOptions;
  /** A listener threw: report it (default: ignored, other listeners still run). */
  onListenerError?: (error: unknown) => void;
}

export interface DeliveredEvent {
  /** Its id in its stream: the personal one, or `topic`'s (the two count separately). */
  id: number;
  /** The topic stream it came on (`conversation:<uuid>`); absent for a personal event. */
  topic?: string;
  event: PortalEvent;
}

/** Reload one conversation (and what is open of it) over REST, not the whole state. */
export interface TopicResync {
  topic: string;
  /** The conversation of a `conversation:<uuid>` topic; null for another kind of topic. */
  conversationId: string | null;
  reason: TopicResyncReason;
}

export interface ClientEvents {
  state: ConnectionState;
  /** Each event once, in increasing id order along its stream (personal, or its topic). */
  event: DeliveredEvent;
  /** Reload state over REST (`GET /api/v1/sync`), then go on applying events. */
  resync: ResyncReason;
  /** A topic's events before its cursor are not coming: reload its conversation. */
  topicResync: TopicResync;
  /** `typing` and `presence` frames: short-lived, never stored or replayed. */
  ephemeral: EphemeralFrame;
  /** The outbox changed (its whole content, oldest first). */
  outbox: readonly OutgoingMessage[];
  /** An optimistic send was confirmed; replace `local` (same client_id) by `message`. */
  sent: { local: OutgoingMessage; message: Message };
  /** An optimistic send was refused (4xx); it stays in the outbox as `failed`. */
  failed: OutgoingMessage;
  /** An error frame, or a close that says this client broke the protocol. */
  protocolError: { error: ErrorBody | null; closeCode: number | null };
}

export interface Credentials {
  login: string;
  password: string;
  /** The 6-digit code (or a recovery code) after `otp_required`. */
  otp?: string;
}

export type SignInResult =
  | { ok: true; user: User | null }
  | {
      ok: false;
      kind:
        | "otp_required"
        | "invalid_otp"
        | "invalid_credentials"
        | "invalid"
        | "throttled"
        | "device_refused"
        | "unavailable"
        | "network"
        | "error";
      error: ErrorBody | null;
      /** Seconds to wait (`throttled`, `unavailable`). */
      retryAfter: number | null;
      /** The policy reason (`device_refused`). */
      reason: string | null;
    };

/**
 * Portal's reference client: sign-in and tokens, the event socket, optimistic sends.
 * Framework-free: the app subscribes with `on(...)` and renders what it hears.
 */
export class PortalClient {
  private readonly emitter: Emitter<ClientEvents>;
  private readonly store: PersistentStore;
  private readonly clock: Clock;
  private readonly http: Http;
  private readonly session: Session;
  private readonly api: Api;
  private readonly socket: EventSocket;
  private readonly outbox: Outbox;
  private readonly randomUUID: () => string;
  private lastEventId: number | null = null;
  private topics: TopicCursors = {};
  private deviceId: string | null = null;
  private currentState: ConnectionState = { status: "signed_out", reason: null, error: null };
  private initialised = false;

  constructor(private readonly options: PortalClientOptions) {
    this.emitter = new Emitter(options.onListenerError);
    this.clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    this.randomUUID = options.randomUUID ?? defaultRandomUUID();
    this.store = new PersistentStore(options.storage, options.storagePrefix ?? "portal.");
    const base = options.baseUrl.replace(/\/+$/, "");
    this.http = new Http(base, options.fetch ?? defaultFetch(), this.clock, options.language);
    const hooks = {
      signedOut: (reason: string, error: ErrorBody | null) => this.endSession(reason, error),
      deviceRefused: (error: ErrorBody) => this.deviceRefused(error),
    };
    this.session = new Session(this.http, this.store, this.clock, hooks, options.session);
    this.api = new Api(this.http, this.session, hooks);
    this.socket = new EventSocket(
      {
        clock: this.clock,
        random,
        createSocket: options.webSocket ?? defaultWebSocket(),
        url: base.replace(/^http/, "ws") + "/ws/",
        accessToken: () => this.session.accessToken(),
        refreshToken: (stale) => this.session.refresh(stale),
        signedOut: (reason, error) => this.endSession(reason, error),
        lastEventId: () => this.lastEventId,
        setLastEventId: (id) => this.setLastEventId(id),
        topicCursors: () => this.topics,
        setTopicCursor: (topic, id) => {
          const next = { ...this.topics };
          if (id === null) delete next[topic];
          else next[topic] = id;
          this.setTopicCursors(next);
        },
        setTopicCursors: (cursors) => this.setTopicCursors(cursors),
        topicResync: (topic, reason) => this.emitter.emit("topicResync", { topic, conversationId: conversationOf(topic), reason }),
        setState: (state) => this.setState(state),
        deliver: (frame) => this.deliver(frame),
        resync: (reason) => this.emitter.emit("resync", reason),
        ephemeral: (frame) => this.emitter.emit("ephemeral", frame),
        protocolError: (error, closeCode) => this.emitter.emit("protocolError", { error, closeCode }),
      },
      options.socket,
    );
    this.outbox = new Outbox({
      clock: this.clock,
      random,
      backoff: options.sendBackoff ?? {},
      canSend: () => this.currentState.status === "online",
      post: (conversationId, input) => this.postMessage(conversationId, input),
      changed: (items) => {
        void this.store.write(StoreKey.outbox, items);
        this.emitter.emit("outbox", items);
      },
      sent: (local, message) => this.emitter.emit("sent", { local, message }),
      failed: (local) => this.emitter.emit("failed", local),
    });
  }

  /** Read what storage kept (tokens, last event id, outbox); connects if signed in. */
  async init({ connect = true }: { connect?: boolean } = {}): Promise<void> {
    if (this.initialised) return;
    this.initialised = true;
    this.deviceId = await this.store.read<string>(StoreKey.deviceId);
    if (!this.deviceId) {
      this.deviceId = this.randomUUID();
      void this.store.write(StoreKey.deviceId, this.deviceId);
    }
    const lastEventId = await this.store.read<number>(StoreKey.lastEventId);
    this.lastEventId = typeof lastEventId === "number" && Number.isSafeInteger(lastEventId) ? lastEventId : null;
    // Topic positions mean something only beside the personal one they were kept with.
    this.topics = this.lastEventId === null ? {} : cursorsOf(await this.store.read<unknown>(StoreKey.topics));
    this.outbox.load(await this.store.read<OutgoingMessage[]>(StoreKey.outbox));
    await this.session.load();
    if (this.session.tokens) {
      this.setState({ status: "stopped" });
      if (connect) this.connect();
    }
  }

  on<K extends keyof ClientEvents>(name: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.emitter.on(name, listener);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get user(): User | null {
    return this.session.tokens?.user ?? null;
  }

  /** The server's id of this device (`device_id` of the token pair): remote commands name it. */
  get sessionDeviceId(): string | null {
    return this.session.tokens?.device_id ?? null;
  }

  get pending(): readonly OutgoingMessage[] {
    return this.outbox.list;
  }

  /** The id of the last event delivered (what a reconnect resumes from). */
  get lastDeliveredEventId(): number | null {
    return this.lastEventId;
  }

  /** Per followed topic, the id of its last event delivered (resumed from with the above). */
  get topicCursors(): Readonly<TopicCursors> {
    return this.topics;
  }

  /** How many token refreshes were sent (diagnostics). */
  get refreshCount(): number {
    return this.session.refreshCount;
  }

  /** The socket's counters (diagnostics and tests). */
  get socketStats(): { opened: number; open: number; maxOpen: number } {
    return { opened: this.socket.socketsOpened, open: this.socket.openSockets, maxOpen: this.socket.maxOpenSockets };
  }

  // --- signing in and out ---------------------------------------------------------------------

  async signIn(credentials: Credentials): Promise<SignInResult> {
    await this.init({ connect: false });
    const device: DeviceInfo = { ...this.options.device, id: this.deviceId! };
    let pair: TokenPair;
    try {
      pair = (
        await this.http.request<TokenPair>("POST", "/api/v1/auth/login", {
          login: credentials.login,
          password: credentials.password,
          otp: credentials.otp ?? "",
          device,
        })
      ).data;
    } catch (error) {
      return signInFailure(error);
    }
    const previous = this.session.tokens?.user?.id ?? null;
    if (previous !== null && previous !== pair.user?.id) this.clearLocalData();
    // A new session: its stream position is read fresh (and the app loads its state).
    this.setLastEventId(null);
    await this.session.set(pair);
    this.setState({ status: "stopped" });
    this.connect();
    return { ok: true, user: pair.user ?? null };
  }

  /** End the session on the server (best effort) and clear everything kept locally. */
  async signOut(): Promise<void> {
    const tokens = this.session.tokens;
    this.socket.stop();
    if (tokens) {
      try {
        await this.http.request("POST", "/api/v1/auth/logout", undefined, {
          Authorization: `Bearer ${tokens.access_token}`,
        });
      } catch {
        // Offline or already ended: the local sign-out happens regardless.
      }
    }
    this.endSession("signed_out", null);
  }

  /**
   * Another copy of the app sharing this storage (a second browser tab: the `storage` event)
   * signed in, refreshed or signed out: follow it, so that tabs never use a spent refresh
   * token and sign in and out together.
   */
  async storageChanged(): Promise<void> {
    if (!this.initialised) return;
    const hadSession = this.session.tokens !== null;
    const user = this.session.tokens?.user?.id ?? null;
    const stored = await this.session.reload();
    if (stored !== null && hadSession && (stored.user?.id ?? null) !== user) {
      // Someone else signed in in another tab: nothing of this user's may stay on screen.
      this.endSession("signed_out", null);
      await this.session.set(stored);
      this.setState({ status: "stopped" });
      this.connect();
    } else if (stored === null && hadSession) {
      this.endSession("signed_out", null);
    } else if (stored !== null && !hadSession) {
      this.setLastEventId(null);
      this.setState({ status: "stopped" });
      this.connect();
    }
  }

  /** Ask for server texts (error messages) in this language from now on. */
  setLanguage(language: string): void {
    this.http.setLanguage(language);
  }

  // --- the socket ---------------------------------------------------------------------------------

  /** Open the event socket (after sign-in, on start, or after a device refusal is fixed). */
  connect(): void {
    if (!this.session.tokens) return;
    this.socket.start();
  }

  /** Close the socket and stay offline until `connect()`. */
  disconnect(): void {
    this.socket.stop();
  }

  /** The platform says the network is back: skip the back-off wait. */
  networkAvailable(): void {
    if (this.session.tokens) this.socket.reconnectNow();
  }

  /**
   * Resume from this id from now on: after loading state with `GET /api/v1/sync`, pass its
   * `last_event_id` and its `topics` so that nothing between the two is missed or applied
   * twice. The topics replace every cursor: they are all the topics the user follows.
   */
  setResumePoint(id: number, topics?: TopicCursors): void {
    this.setLastEventId(id);
    if (topics !== undefined) this.setTopicCursors(cursorsOf(topics));
  }

  sendTyping(conversationId: string): boolean {
    return this.socket.send({ type: "typing", conversation_id: conversationId });
  }

  setPresence(state: "online" | "away"): boolean {
    return this.socket.send({ type: "presence", state });
  }

  /** Send a call's signal to the other party's device (fire and forget: a refusal comes
   * back as an error frame, `protocolError`); false when the socket is not online. */
  sendCallSignal(callId: string, signal: CallSignal): boolean {
    return this.socket.send({ type: "call.signal", call_id: callId, ...signal });
  }

  /** A conference's mesh signal; false when the socket is not open (nothing queued: a
   * signal is stale by the time it would be sent). */
  sendConferenceSignal(frame: ConferenceSignalOutFrame): boolean {
    return this.socket.send(frame);
  }

  // --- REST ----------------------------------------------------------------------------------------

  /** An authenticated API call (refreshes the token as needed); throws ApiError/NetworkError.
   * A `FormData` body goes as multipart (an upload), anything else as JSON. */
  request<T>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return this.api.request<T>(method, path, body);
  }

  /**
   * A current access token (refreshed first when it is about to expire), for requests this
   * module does not make itself: an upload with progress through XMLHttpRequest, a signed
   * file link (an avatar) fetched into an image.
   * Throws SignedOutError when there is no session.
   */
  accessToken(): Promise<string> {
    return this.session.accessToken();
  }

  /**
   * The answer to such a request was 401 `token_expired`: refresh (once, shared with every
   * other caller that found `staleToken` expired) and return the new access token.
   */
  async refreshAccessToken(staleToken: string): Promise<string> {
    return (await this.session.refresh(staleToken)).access_token;
  }

  /**
   * Send a message optimistically: the pending local message comes back at once; it is
   * sent (now, or when the connection returns) and confirmed through the `sent` event.
   */
  sendMessage(conversationId: string, body: string, options: SendOptions = {}): OutgoingMessage {
    return this.outbox.add(conversationId, body, options, this.randomUUID());
  }

  retrySend(clientId: string): void {
    this.outbox.retry(clientId);
  }

  discardSend(clientId: string): void {
    this.outbox.discard(clientId);
  }

  /** Wait for storage writes made so far (tests; before the app is suspended). */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Stop timers and the socket without signing out (the app is closing). */
  dispose(): void {
    this.socket.stop();
    this.session.dispose();
    this.outbox.dispose();
  }

  // --- internals ----------------------------------------------------------------------------------

  /**
   * Over the socket when it is signed in (one frame instead of a request), else REST. A
   * socket that gives no answer (closed first, or none within the ack timeout) leaves it
   * unknown whether the server took the message, so it goes again over REST with the same
   * client_id: the server keeps one message and answers the repeat with it. A refusal on
   * the socket is an ApiError of the status REST would have answered, handled alike.
   */
  private async postMessage(conversationId: string, input: MessageInput): Promise<HttpResult<Message>> {
    if (this.socket.canRequest) {
      try {
        const answer = await this.socket.request({ ...input, type: "message.send", conversation_id: conversationId });
        return { status: answer.status, data: answer.result as Message };
      } catch (error) {
        if (!(error instanceof SocketUnavailable)) throw error;
      }
    }
    return this.api.request<Message>("POST", `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages`, input);
  }

  private deliver(frame: EventFrame): void {
    const event = frame.event;
    if (event.type === "message" && event.op === "add") {
      const message = (event as { message?: Message }).message;
      const me = this.session.tokens?.user?.id;
      if (message && typeof message.client_id === "string" && (!me || message.author_id === me)) {
        this.outbox.confirm(message.client_id, message);
      }
    }
    this.emitter.emit("event", frame.topic === undefined ? { id: frame.id, event } : { id: frame.id, topic: frame.topic, event });
  }

  /** No personal position means starting every stream at its head: topic cursors go too. */
  private setLastEventId(id: number | null): void {
    this.lastEventId = id;
    if (id === null) {
      void this.store.remove(StoreKey.lastEventId);
      this.setTopicCursors({});
    } else void this.store.write(StoreKey.lastEventId, id);
  }

  private setTopicCursors(cursors: TopicCursors): void {
    this.topics = cursors;
    if (Object.keys(cursors).length === 0) void this.store.remove(StoreKey.topics);
    else void this.store.write(StoreKey.topics, cursors);
  }

  private setState(state: ConnectionState): void {
    this.currentState = state;
    this.emitter.emit("state", state);
    if (state.status === "online") this.outbox.pump();
  }

  private deviceRefused(error: ErrorBody): void {
    const reason = (error.details?.["reason"] as string | undefined) ?? error.code;
    this.socket.stop({ status: "device_refused", reason, error });
  }

  private clearLocalData(): void {
    this.outbox.clear();
    void this.store.remove(StoreKey.outbox);
    this.setLastEventId(null);
  }

  /** The session is over: tokens, stream position and unsent messages are deleted. */
  private endSession(reason: string, error: ErrorBody | null): void {
    this.session.clear();
    this.clearLocalData();
    this.emitter.emit("outbox", []);
    if (this.socket.isRunning) this.socket.stop({ status: "signed_out", reason, error });
    else this.setState({ status: "signed_out", reason, error });
  }
}

/** `conversation:<uuid>` → the uuid. */
function conversationOf(topic: string): string | null {
  return topic.startsWith("conversation:") ? topic.slice("conversation:".length) || null : null;
}

function signInFailure(error: unknown): SignInResult {
  const failure = (kind: Extract<SignInResult, { ok: false }>["kind"], extra: Partial<Extract<SignInResult, { ok: false }>> = {}) =>
    ({ ok: false, kind, error: null, retryAfter: null, reason: null, ...extra }) as SignInResult;
  if (error instanceof NetworkError) return failure("network");
  if (!(error instanceof ApiError)) return failure("error");
  const base = { error: error.body };
  if (error.status === 429) return failure("throttled", { ...base, retryAfter: error.retryAfter });
  if (error.status === 503) return failure("unavailable", { ...base, retryAfter: error.retryAfter });
  if (error.status === 403 && isDeviceRefusal(error)) {
    const reason = (error.details["reason"] as string | undefined) ?? error.code;
    return failure("device_refused", { ...base, reason });
  }
  if (error.code === "otp_required") return failure("otp_required", base);
  if (error.code === "invalid_otp") return failure("invalid_otp", base);
  if (error.code === "invalid_credentials") return failure("invalid_credentials", base);
  if (error.status === 400) return failure("invalid", base);
  return failure("error", base);
}

export { ApiError, NetworkError, SignedOutError };
