/**
 * Reconnect and retry delays: 1 s doubling to a cap (60 s), with jitter so that clients
 * dropped together by a server restart do not all come back in the same instant.
 */
export interface BackoffOptions {
  /** The first delay, ms (default 1000). */
  baseMs?: number;
  /** The largest delay, ms (default 60000). */
  maxMs?: number;
  /** Fraction of the delay taken off at random: 0.3 means 70–100 % of it (default 0.3). */
  jitter?: number;
}

/** The delay before attempt number `attempt` (1 for the first retry); `random` in [0, 1). */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const jitter = options.jitter ?? 0.3;
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(max, base * 2 ** exponent);
  return Math.round(ceiling * (1 - jitter * random()));
}
