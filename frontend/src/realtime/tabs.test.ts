/** Two tabs of one browser: one storage, one session, refresh tokens that can be used once. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { LockRunner } from "./env.js";
import { MemoryStorage } from "./env.js";
import { ORIGIN, START, makeClient, tick } from "./harness.js";
import { FakeFetch, deferred, error, tokenPair, type FakeAnswer } from "./testing.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

/** What the Web Locks API gives tabs: one holder at a time, in request order. */
function sharedLock(): LockRunner {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(_name: string, task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task, task);
    chain = run.catch(() => undefined);
    return run;
  };
}

/** A server whose refresh tokens are single-use: a reused one ends the session. */
function singleUseServer(): FakeFetch {
  const fake = new FakeFetch(ORIGIN);
  let generation = 1;
  let revoked = false;
  fake.on("POST /api/v1/auth/refresh", (request) => {
    const { refresh_token: token } = request.body as { refresh_token: string };
    if (revoked || token !== `prt_${generation}`) {
      revoked = true;
      return { status: 401, body: error("token_invalid") };
    }
    generation += 1;
    return { status: 200, body: tokenPair(generation, Date.now()) };
  });
  fake.on("GET /api/v1/me", (request) =>
    !revoked && request.headers["Authorization"] === `Bearer pat_${generation}`
      ? { status: 200, body: { id: "user-1" } }
      : { status: 401, body: error(revoked ? "token_revoked" : "token_expired") },
  );
  return fake;
}

describe("two tabs", () => {
  it("refresh once between them and both go on with the new pair", async () => {
    const storage = new MemoryStorage();
    const fake = singleUseServer();
    const lock = sharedLock();
    const a = await makeClient({ storage, fake, lastEventId: 0, session: { lock } });
    const b = await makeClient({ storage, fake, lastEventId: 0, session: { lock } });
    vi.setSystemTime(START.getTime() + 59.5 * 60_000); // inside the refresh margin, timers not run
    const answers = await Promise.all([
      a.client.request<{ id: string }>("GET", "/api/v1/me"),
      b.client.request<{ id: string }>("GET", "/api/v1/me"),
    ]);
    expect(answers.map((answer) => answer.data.id)).toEqual(["user-1", "user-1"]);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(a.client.state.status).not.toBe("signed_out");
    expect(b.client.state.status).not.toBe("signed_out");
  });

  it("a tab that waited for the lock takes the pair the other tab stored", async () => {
    const storage = new MemoryStorage();
    const fake = new FakeFetch(ORIGIN);
    const answer = deferred<FakeAnswer>();
    fake.on("POST /api/v1/auth/refresh", () => answer.promise);
    const lock = sharedLock();
    const a = await makeClient({ storage, fake, lastEventId: 0, session: { lock } });
    const b = await makeClient({ storage, fake, lastEventId: 0, session: { lock } });
    // Both timers fire a minute before expiry, at the same moment.
    await tick(59 * 60_000);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    answer.resolve({ status: 200, body: tokenPair(2, Date.now()) });
    await tick();
    await a.client.flush();
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(b.client.refreshCount).toBe(0);
    expect(JSON.parse(storage.getItem("portal.tokens")!).refresh_token).toBe("prt_2");
  });

  it("signing out in one tab signs the other out", async () => {
    const storage = new MemoryStorage();
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/logout", () => ({ status: 204 }));
    const a = await makeClient({ storage, fake, lastEventId: 0 });
    const b = await makeClient({ storage, fake, lastEventId: 0 });
    await a.client.signOut();
    await a.client.flush();
    await b.client.storageChanged();
    expect(b.client.state).toEqual({ status: "signed_out", reason: "signed_out", error: null });
    expect(fake.callsTo("POST /api/v1/auth/logout")).toHaveLength(1);
  });

  it("signing in in one tab signs the other in; someone else's sign-in replaces the session", async () => {
    const storage = new MemoryStorage();
    const fake = new FakeFetch(ORIGIN);
    const b = await makeClient({ storage, fake, signedIn: false });
    expect(b.client.state.status).toBe("signed_out");
    storage.setItem("portal.tokens", JSON.stringify(tokenPair(1, Date.now())));
    await b.client.storageChanged();
    await tick();
    expect(b.client.user?.id).toBe("user-1");
    expect(b.hub.sockets).toHaveLength(1);
    const states = b.states.length;
    storage.setItem("portal.tokens", JSON.stringify(tokenPair(7, Date.now(), "user-2")));
    await b.client.storageChanged();
    expect(b.states.slice(states).map((s) => s.status)).toContain("signed_out");
    expect(b.client.user?.id).toBe("user-2");
  });
});
