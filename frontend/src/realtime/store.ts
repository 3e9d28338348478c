import type { KeyValueStorage } from "./env.js";

/**
 * The client's persistent state through the injected storage: read once at start, then kept
 * in memory and written through. Writes are chained so they land in the order they were
 * made, whatever the storage; `flush()` waits for them.
 */
export class PersistentStore {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix: string,
  ) {}

  async read<T>(key: string): Promise<T | null> {
    const text = await this.storage.getItem(this.prefix + key);
    if (text === null || text === undefined) return null;
    try {
      return JSON.parse(text) as T;
    } catch {
      return null; // a corrupt value counts as none
    }
  }

  write(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    return this.enqueue(() => this.storage.setItem(this.prefix + key, text));
  }

  remove(key: string): Promise<void> {
    return this.enqueue(() => this.storage.removeItem(this.prefix + key));
  }

  flush(): Promise<void> {
    return this.chain;
  }

  private enqueue(operation: () => void | Promise<void>): Promise<void> {
    this.chain = this.chain.then(operation).catch(() => {
      // A failed write must not block the ones after it; the value stays in memory.
    });
    return this.chain;
  }
}

export const StoreKey = {
  tokens: "tokens",
  lastEventId: "last_event_id",
  /** Topic key → last event id of that topic, kept and cleared with `last_event_id`. */
  topics: "topic_cursors",
  outbox: "outbox",
  deviceId: "device_id",
} as const;
