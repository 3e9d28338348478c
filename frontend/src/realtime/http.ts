import { defaultLock, type Clock, type FetchLike, type HttpResponseLike, type LockRunner, type TimerHandle } from "./env.js";
import { StoreKey, type PersistentStore } from "./store.js";
import { DEVICE_REFUSAL_CODES, type ErrorBody, type TokenPair } from "./types.js";

/** An error answer of the API, in its documented format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
    /** Seconds to wait, from `Retry-After` (or `details.retry_after`), when given. */
    readonly retryAfter: number | null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** The request never got an answer (offline, DNS, connection reset, ...). */
export class NetworkError extends Error {
  constructor(override readonly cause?: unknown) {
    super("network error");
    this.name = "NetworkError";
  }
}

/** The session is over (or there never was one): the user must sign in. */
export class SignedOutError extends Error {
  constructor(readonly reason: string) {
    super(`signed out: ${reason}`);
    this.name = "SignedOutError";
  }
}

export function isDeviceRefusal(error: ErrorBody | ApiError): boolean {
  return (DEVICE_REFUSAL_CODES as readonly string[]).includes(error.code);
}

/** Retry-After in seconds (an integer or an HTTP date), else `details.retry_after`. */
function retryAfterOf(response: HttpResponseLike, details: Record<string, unknown>, now: number): number | null {
  const header = response.headers.get("Retry-After");
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
  }
  const fromDetails = details["retry_after"];
  return typeof fromDetails === "number" && fromDetails >= 0 ? fromDetails : null;
}

export interface HttpResult<T> {
  status: number;
  data: T;
}

/** JSON over the injected fetch; every non-2xx answer becomes an ApiError. */
export class Http {
  constructor(
    private readonly baseUrl: string,
    private readonly fetch: FetchLike,
    private readonly clock: Clock,
    private language: string | undefined,
  ) {}

  /** Server texts (errors) come in this language from now on. */
  setLanguage(language: string): void {
    this.language = language;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const all: Record<string, string> = { Accept: "application/json", ...headers };
    if (this.language) all["Accept-Language"] = this.language;
    let text: string | FormData | undefined;
    if (typeof FormData !== "undefined" && body instanceof FormData) {
      text = body;
    } else if (body !== undefined) {
      all["Content-Type"] = "application/json";
      text = JSON.stringify(body);
    }
    let response: HttpResponseLike;
    let raw: string;
    try {
      response = await this.fetch(this.baseUrl + path, { method, headers: all, body: text });
      raw = await response.text();
    } catch (error) {
      throw new NetworkError(error);
    }
    let data: unknown = null;
    if (raw) {
      try {
        data = JSON.parse(raw);
      } catch {
        data = null;
      }
    }
    if (response.status >= 200 && response.status < 300) return { status: response.status, data: data as T };
    const error = (data as { error?: Partial<ErrorBody> } | null)?.error;
    const details = error?.details && typeof error.details === "object" ? error.details : {};
    throw new ApiError(
      response.status,
      typeof error?.code === "string" ? error.code : `http_${response.status}`,
      typeof error?.message === "string" ? error.message : `HTTP ${response.status}`,
      details,
      retryAfterOf(response, details, this.clock.now()),
    );
  }
}

export interface SessionHooks {
  /** The session is over: the client clears local data and shows sign-in. */
  signedOut(reason: string, error: ErrorBody | null): void;
  /** The device breaks the agency's policy (403 with a policy code). */
  deviceRefused(error: ErrorBody): void;
}

export interface SessionOptions {
  /** Refresh this long before `access_expires_at` (default 60 s). */
  refreshMarginMs?: number;
  /** After a refresh that failed for a transient reason, try again this much later (30 s). */
  refreshRetryMs?: number;
  /** Serialises refreshes across tabs that share the storage (default: Web Locks if present). */
  lock?: LockRunner;
}

/**
 * The token pair and its refresh. Refresh tokens are single-use (a reused one ends the
 * session), so there is at most one refresh in flight, and the new pair is stored before
 * anything uses it.
 */
export class Session {
  tokens: TokenPair | null = null;
  private refreshing: Promise<TokenPair> | null = null;
  private timer: TimerHandle | null = null;
  private readonly marginMs: number;
  private readonly retryMs: number;
  private readonly lock: LockRunner;
  /** How many refresh requests were sent (for tests and diagnostics). */
  refreshCount = 0;

  constructor(
    private readonly http: Http,
    private readonly store: PersistentStore,
    private readonly clock: Clock,
    private readonly hooks: SessionHooks,
    options: SessionOptions = {},
  ) {
    this.marginMs = options.refreshMarginMs ?? 60_000;
    this.retryMs = options.refreshRetryMs ?? 30_000;
    this.lock = options.lock ?? defaultLock();
  }

  async load(): Promise<void> {
    this.tokens = await this.store.read<TokenPair>(StoreKey.tokens);
    this.schedule();
  }

  /**
   * Another copy of the app (a second tab) changed the stored pair: take its pair, or end
   * this copy's session too when it was removed. Returns what storage holds now.
   */
  async reload(): Promise<TokenPair | null> {
    const stored = await this.store.read<TokenPair>(StoreKey.tokens);
    if (stored && stored.refresh_token !== this.tokens?.refresh_token) {
      this.tokens = stored;
      this.schedule();
    }
    return stored;
  }

  async set(tokens: TokenPair): Promise<void> {
    this.tokens = tokens;
    await this.store.write(StoreKey.tokens, tokens);
    this.schedule();
  }

  clear(): void {
    this.tokens = null;
    this.cancelTimer();
    void this.store.remove(StoreKey.tokens);
  }

  dispose(): void {
    this.cancelTimer();
  }

  /** An access token good for a while yet, refreshing first when it is about to expire. */
  async accessToken(): Promise<string> {
    const tokens = this.tokens;
    if (!tokens) throw new SignedOutError("not_signed_in");
    if (this.clock.now() >= Date.parse(tokens.access_expires_at) - this.marginMs) {
      return (await this.refresh(tokens.access_token)).access_token;
    }
    return tokens.access_token;
  }

  /**
   * Refresh, unless the pair that `staleAccessToken` belongs to was already replaced (then
   * the current pair is the answer). Callers that fail together share one refresh.
   */
  refresh(staleAccessToken?: string): Promise<TokenPair> {
    const tokens = this.tokens;
    if (!tokens) return Promise.reject(new SignedOutError("not_signed_in"));
    if (this.refreshing) return this.refreshing;
    if (staleAccessToken !== undefined && tokens.access_token !== staleAccessToken) {
      return Promise.resolve(tokens);
    }
    this.refreshing = this.doRefresh(tokens.refresh_token).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private doRefresh(refreshToken: string): Promise<TokenPair> {
    return this.lock("portal.refresh", async () => {
      // Another tab may have refreshed while this one waited: its pair is the answer.
      const stored = await this.store.read<TokenPair>(StoreKey.tokens);
      if (stored === null) {
        this.hooks.signedOut("signed_out", null);
        throw new SignedOutError("signed_out");
      }
      if (stored.refresh_token !== refreshToken) {
        if (this.tokens?.refresh_token !== refreshToken) throw new SignedOutError("signed_out");
        this.tokens = stored;
        this.schedule();
        return stored;
      }
      return this.refreshWith(refreshToken);
    });
  }

  private async refreshWith(refreshToken: string): Promise<TokenPair> {
    this.refreshCount += 1;
    this.cancelTimer();
    let pair: TokenPair;
    try {
      pair = (await this.http.request<TokenPair>("POST", "/api/v1/auth/refresh", { refresh_token: refreshToken }))
        .data;
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && isDeviceRefusal(error)) {
        this.hooks.deviceRefused(error.body);
      } else if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        // token_invalid (already used or unknown), token_revoked, ...: the session is over.
        this.hooks.signedOut(error.code, error.body);
        throw new SignedOutError(error.code);
      } else {
        // Offline or the server is down: the tokens still stand; try again later.
        this.timer = this.clock.setTimeout(() => void this.refreshInBackground(), this.retryMs);
      }
      throw error;
    }
    if (this.tokens?.refresh_token !== refreshToken) {
      // Signed out (or in again) while the refresh was in flight: this pair is not ours.
      throw new SignedOutError("signed_out");
    }
    await this.set(pair);
    return pair;
  }

  private schedule(): void {
    this.cancelTimer();
    if (!this.tokens) return;
    const due = Date.parse(this.tokens.access_expires_at) - this.marginMs - this.clock.now();
    this.timer = this.clock.setTimeout(() => void this.refreshInBackground(), Math.max(0, due));
  }

  private async refreshInBackground(): Promise<void> {
    this.timer = null;
    try {
      await this.refresh();
    } catch {
      // Handled in doRefresh: signed out, refused, or retried later.
    }
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Authenticated JSON requests: one refresh and one retry on `token_expired`. */
export class Api {
  constructor(
    private readonly http: Http,
    private readonly session: Session,
    private readonly hooks: SessionHooks,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    let token = await this.session.accessToken();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.http.request<T>(method, path, body, { Authorization: `Bearer ${token}` });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401 && error.code === "token_expired" && attempt === 0) {
          token = (await this.session.refresh(token)).access_token;
          continue;
        }
        if (error.status === 401 && ["token_revoked", "token_invalid", "not_authenticated"].includes(error.code)) {
          this.hooks.signedOut(error.code, error.body);
          throw new SignedOutError(error.code);
        }
        if (error.status === 403 && isDeviceRefusal(error)) this.hooks.deviceRefused(error.body);
        throw error;
      }
    }
  }
}
