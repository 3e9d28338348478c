import { backoffDelay, type BackoffOptions } from "./backoff.js";
import type { Clock, TimerHandle } from "./env.js";
import { ApiError, isDeviceRefusal, type HttpResult } from "./http.js";
import type { ErrorBody, MentionsInput, Message, MessageInput } from "./types.js";

export interface SendOptions {
  reply_to?: string | null;
  thread_root?: string | null;
  mentions?: MentionsInput;
  attachment_ids?: string[];
}

/**
 * A message the user sent that the server has not confirmed yet. `queued`: waiting for its
 * turn or for the connection; `sending`: on its way (a `message.send` frame waiting for its
 * `ack`, or the POST); `retrying`: it failed for a
 * transient reason and goes again at `nextAttemptAt`; `failed`: refused (4xx), kept so the
 * user can edit, retry or discard it.
 */
export interface OutgoingMessage {
  clientId: string;
  conversationId: string;
  body: string;
  options: SendOptions;
  createdAt: number;
  status: "queued" | "sending" | "retrying" | "failed";
  attempts: number;
  nextAttemptAt: number | null;
  error: ErrorBody | null;
}

export interface OutboxHost {
  clock: Clock;
  random: () => number;
  backoff: BackoffOptions;
  /** Sends go out only while the event socket is online. */
  canSend(): boolean;
  post(conversationId: string, input: MessageInput): Promise<HttpResult<Message>>;
  changed(items: readonly OutgoingMessage[]): void;
  sent(local: OutgoingMessage, message: Message): void;
  failed(local: OutgoingMessage): void;
}

/**
 * Optimistic sends, one at a time in the order they were made (so the server numbers them
 * in that order). The `client_id` makes every retry safe: the server answers a repeat with
 * the message it already has, whichever way it went (the host's `post` sends over the
 * socket when it can, else over REST). Whichever comes first — the answer (`ack` or the
 * POST's) or the socket's `message add` event with this `client_id` — confirms the message;
 * the other is ignored.
 */
export class Outbox {
  private items: OutgoingMessage[] = [];
  private busy = false;
  private timer: TimerHandle | null = null;
  /** Bumped by clear(): answers to requests made before it are ignored. */
  private epoch = 0;

  constructor(private readonly host: OutboxHost) {}

  get list(): readonly OutgoingMessage[] {
    return this.items;
  }

  load(items: OutgoingMessage[] | null): void {
    // A reload interrupted a POST: whether it arrived is unknown, and the client_id makes
    // sending it again harmless.
    this.items = (items ?? []).map((item) => (item.status === "sending" ? { ...item, status: "queued" } : item));
  }

  add(conversationId: string, body: string, options: SendOptions, clientId: string): OutgoingMessage {
    const item: OutgoingMessage = {
      clientId,
      conversationId,
      body,
      options: { ...options },
      createdAt: this.host.clock.now(),
      status: "queued",
      attempts: 0,
      nextAttemptAt: null,
      error: null,
    };
    this.items.push(item);
    this.changed();
    this.pump();
    return { ...item };
  }

  /** The server has the message: from the POST's answer or from the event. Once only. */
  confirm(clientId: string, message: Message): boolean {
    const index = this.items.findIndex((item) => item.clientId === clientId);
    if (index < 0) return false;
    const [item] = this.items.splice(index, 1);
    this.changed();
    this.host.sent({ ...item! }, message);
    this.pump();
    return true;
  }

  retry(clientId: string): void {
    const item = this.items.find((entry) => entry.clientId === clientId);
    if (!item || item.status !== "failed") return;
    Object.assign(item, { status: "queued", attempts: 0, nextAttemptAt: null, error: null });
    this.changed();
    this.pump();
  }

  discard(clientId: string): void {
    const before = this.items.length;
    this.items = this.items.filter((item) => item.clientId !== clientId || item.status === "sending");
    if (this.items.length !== before) this.changed();
  }

  clear(): void {
    this.epoch += 1;
    this.cancelTimer();
    this.items = [];
    this.busy = false;
  }

  dispose(): void {
    this.epoch += 1;
    this.cancelTimer();
  }

  /** Send the first message that is due, if the connection allows. */
  pump(): void {
    if (this.busy || !this.host.canSend()) return;
    const next = this.items.find((item) => item.status !== "failed");
    if (!next) return;
    const wait = (next.nextAttemptAt ?? 0) - this.host.clock.now();
    if (wait > 0) {
      if (this.timer === null) {
        this.timer = this.host.clock.setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
      }
      return;
    }
    void this.sendOne(next);
  }

  private async sendOne(item: OutgoingMessage): Promise<void> {
    const epoch = this.epoch;
    this.busy = true;
    item.status = "sending";
    item.attempts += 1;
    this.changed();
    const input: MessageInput = { client_id: item.clientId, body: item.body, ...item.options };
    try {
      const answer = await this.host.post(item.conversationId, input);
      if (epoch !== this.epoch) return;
      this.busy = false;
      if (!this.confirm(item.clientId, answer.data)) this.pump(); // the event came first

    } catch (error) {
      if (epoch !== this.epoch) return;
      this.busy = false;
      if (!this.items.includes(item)) {
        // Confirmed by the event meanwhile, or discarded.
      } else if (error instanceof ApiError && error.status === 403 && isDeviceRefusal(error)) {
        // The device breaks the policy (the client shows why): keep it for when it is fixed.
        item.status = "queued";
        item.error = error.body;
        this.changed();
      } else if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        item.status = "failed";
        item.error = error.body;
        item.nextAttemptAt = null;
        this.changed();
        this.host.failed({ ...item });
      } else if (error instanceof Error && error.name === "SignedOutError") {
        return; // everything was cleared
      } else {
        // Offline, 5xx, 503 or 429: the same client_id again later.
        const retryAfter = error instanceof ApiError ? error.retryAfter : null;
        const delay =
          retryAfter !== null ? retryAfter * 1000 : backoffDelay(item.attempts, this.host.random, this.host.backoff);
        item.status = "retrying";
        item.error = error instanceof ApiError ? error.body : null;
        item.nextAttemptAt = this.host.clock.now() + delay;
        this.changed();
      }
      this.pump();
    }
  }

  private changed(): void {
    this.host.changed(this.items.map((item) => ({ ...item })));
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.host.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
