import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiError, NetworkError, SignedOutError } from "./http.js";
import { ORIGIN, START, makeClient, serverAccepts, tick } from "./harness.js";
import { FakeFetch, FakeNetworkFailure, deferred, error, me, tokenPair, type FakeAnswer } from "./testing.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("signing in", () => {
  it("signs in with the device, stores the tokens and connects", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", () => ({ status: 200, body: tokenPair(1, Date.now()) }));
    const { client, hub, storage } = await makeClient({ fake, signedIn: false });
    expect(client.state.status).toBe("signed_out");
    expect(hub.sockets).toHaveLength(0);
    const result = await client.signIn({ login: "ivanova", password: "secret" });
    expect(result).toEqual({ ok: true, user: me("user-1") });
    const [call] = fake.callsTo("POST /api/v1/auth/login");
    const deviceId = JSON.parse(storage.getItem("portal.device_id")!);
    expect(call!.body).toEqual({
      login: "ivanova",
      password: "secret",
      otp: "",
      device: { id: deviceId, platform: "web", app_version: "0.1.0" },
    });
    expect(call!.headers["Authorization"]).toBeUndefined();
    await client.flush();
    expect(JSON.parse(storage.getItem("portal.tokens")!).access_token).toBe("pat_1");
    await tick();
    expect(hub.sockets).toHaveLength(1);
    hub.last.open();
    expect(hub.last.sent[0]).toEqual({ type: "auth", token: "pat_1" });
  });

  it("keeps the device id across sign-ins", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", () => ({ status: 200, body: tokenPair(1, Date.now()) }));
    const { client } = await makeClient({ fake, signedIn: false });
    await client.signIn({ login: "ivanova", password: "secret" });
    await client.signOut();
    await client.signIn({ login: "ivanova", password: "secret" });
    const ids = fake.callsTo("POST /api/v1/auth/login").map((call) => (call.body as { device: { id: string } }).device.id);
    expect(ids[0]).toBe(ids[1]);
  });

  it("signing in as someone else drops the previous user's stream position and unsent messages", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", () => ({
      status: 200,
      body: tokenPair(5, Date.now(), "user-2"),
    }));
    const { client, storage } = await makeClient({ fake, lastEventId: 50 });
    client.disconnect();
    client.sendMessage("conv-1", "user-1's draft");
    await client.signIn({ login: "petrov", password: "secret" });
    await client.flush();
    expect(client.pending).toEqual([]);
    expect(client.lastDeliveredEventId).toBeNull();
    expect(storage.getItem("portal.outbox")).toBeNull();
    expect(client.user).toEqual(me("user-2"));
  });

  it("surfaces otp_required, then signs in with the code", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", (request) =>
      (request.body as { otp: string }).otp === "123456"
        ? { status: 200, body: tokenPair(1, Date.now()) }
        : { status: 401, body: error("otp_required") },
    );
    const { client } = await makeClient({ fake, signedIn: false });
    const first = await client.signIn({ login: "ivanova", password: "secret" });
    expect(first).toMatchObject({ ok: false, kind: "otp_required", error: { code: "otp_required" } });
    expect(client.state.status).toBe("signed_out");
    const second = await client.signIn({ login: "ivanova", password: "secret", otp: "123456" });
    expect(second.ok).toBe(true);
  });

  it.each<[string, FakeAnswer, Record<string, unknown>]>([
    ["invalid credentials", { status: 401, body: error("invalid_credentials") }, { kind: "invalid_credentials" }],
    ["a wrong code", { status: 401, body: error("invalid_otp") }, { kind: "invalid_otp" }],
    ["a bad login", { status: 400, body: error("login_invalid", { reason: "invisible_character" }) }, { kind: "invalid" }],
    [
      "throttling",
      { status: 429, body: error("login_throttled", { retry_after: 120 }), headers: { "Retry-After": "120" } },
      { kind: "throttled", retryAfter: 120 },
    ],
    ["throttling without the header", { status: 429, body: error("otp_throttled", { retry_after: 30 }) }, { kind: "throttled", retryAfter: 30 }],
    [
      "a refused device",
      { status: 403, body: error("os_version_too_old", { reason: "os_version_too_old" }) },
      { kind: "device_refused", reason: "os_version_too_old" },
    ],
    [
      "an outage",
      { status: 503, body: error("service_unavailable"), headers: { "Retry-After": "5" } },
      { kind: "unavailable", retryAfter: 5 },
    ],
    ["a non-JSON answer", { status: 502 }, { kind: "error", error: { code: "http_502" } }],
  ])("reports %s and stores nothing", async (_, answer, expected) => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", () => answer);
    const { client, storage, hub } = await makeClient({ fake, signedIn: false });
    const result = await client.signIn({ login: "ivanova", password: "secret" });
    expect(result).toMatchObject({ ok: false, ...expected });
    await client.flush();
    expect(storage.getItem("portal.tokens")).toBeNull();
    expect(hub.sockets).toHaveLength(0);
  });

  it("reads Retry-After given as an HTTP date", async () => {
    const until = new Date(Date.now() + 90_000).toUTCString();
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", () => ({
      status: 429,
      body: error("login_throttled"),
      headers: { "Retry-After": until },
    }));
    const { client } = await makeClient({ fake, signedIn: false });
    expect(await client.signIn({ login: "ivanova", password: "x" })).toMatchObject({ kind: "throttled", retryAfter: 90 });
  });

  it("reports a network failure", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/login", () => {
      throw new FakeNetworkFailure();
    });
    const { client } = await makeClient({ fake, signedIn: false });
    expect(await client.signIn({ login: "ivanova", password: "x" })).toMatchObject({ ok: false, kind: "network" });
  });
});

describe("tokens", () => {
  it("refreshes once for a burst of requests that all find the token expired", async () => {
    const fake = new FakeFetch(ORIGIN);
    const refreshAnswer = deferred<FakeAnswer>();
    fake.on("POST /api/v1/auth/refresh", () => refreshAnswer.promise);
    fake.on("GET /api/v1/me", (request) =>
      request.headers["Authorization"] === "Bearer pat_2"
        ? { status: 200, body: { id: "user-1" } }
        : { status: 401, body: error("token_expired") },
    );
    const { client } = await makeClient({ fake, lastEventId: 0 });
    const results = Promise.all(Array.from({ length: 20 }, () => client.request<{ id: string }>("GET", "/api/v1/me")));
    await tick();
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    refreshAnswer.resolve({ status: 200, body: tokenPair(2, Date.now()) });
    const answers = await results;
    expect(answers.every((answer) => answer.data.id === "user-1")).toBe(true);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(fake.callsTo("POST /api/v1/auth/refresh")[0]!.body).toEqual({ refresh_token: "prt_1" });
    // A request that failed with the old token after the refresh retries with the new one.
    expect(fake.callsTo("GET /api/v1/me")).toHaveLength(40);
  });

  it("a request that fails with the old token after a refresh does not refresh again", async () => {
    const fake = new FakeFetch(ORIGIN);
    fake.on("POST /api/v1/auth/refresh", () => ({ status: 200, body: tokenPair(2, Date.now()) }));
    const slow = deferred<FakeAnswer>();
    let first = true;
    fake.on("GET /api/v1/me", (request) => {
      if (first) {
        first = false;
        return slow.promise; // sent with pat_1, answers after the refresh
      }
      return request.headers["Authorization"] === "Bearer pat_2"
        ? { status: 200, body: {} }
        : { status: 401, body: error("token_expired") };
    });
    const { client } = await makeClient({ fake, lastEventId: 0 });
    const late = client.request("GET", "/api/v1/me");
    await client.request("GET", "/api/v1/me"); // refreshes
    slow.resolve({ status: 401, body: error("token_expired") });
    await late;
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
  });

  it("hands out the access token for requests it does not make (uploads), refreshed when stale", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/refresh", () => ({ status: 200, body: tokenPair(2, Date.now()) }));
    const { client } = await makeClient({ fake, lastEventId: 0 });
    expect(await client.accessToken()).toBe("pat_1");
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(0);
    // Such a request answered 401 token_expired: two callers share one refresh.
    const [a, b] = await Promise.all([client.refreshAccessToken("pat_1"), client.refreshAccessToken("pat_1")]);
    expect([a, b]).toEqual(["pat_2", "pat_2"]);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    // A caller that still held the old token gets the current one without another refresh.
    expect(await client.refreshAccessToken("pat_1")).toBe("pat_2");
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    await client.signOut();
    await expect(client.accessToken()).rejects.toBeInstanceOf(SignedOutError);
  });

  it("refreshes a minute before the access token expires, without a failed request", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/refresh", () => ({ status: 200, body: tokenPair(2, Date.now()) }));
    const { client, storage } = await makeClient({ fake, lastEventId: 0 });
    await tick(3_600_000 - 60_001);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(0);
    await tick(1);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    await client.flush();
    expect(JSON.parse(storage.getItem("portal.tokens")!).refresh_token).toBe("prt_2");
    // And again an hour later, with the new refresh token.
    await tick(3_600_000);
    expect(fake.callsTo("POST /api/v1/auth/refresh").map((call) => call.body)).toEqual([
      { refresh_token: "prt_1" },
      { refresh_token: "prt_2" },
    ]);
  });

  it("a rejected refresh token signs out and clears local data", async () => {
    const fake = new FakeFetch(ORIGIN);
    fake.on("POST /api/v1/auth/refresh", () => ({ status: 401, body: error("token_invalid") }));
    fake.on("GET /api/v1/me", () => ({ status: 401, body: error("token_expired") }));
    fake.on("POST /api/v1/conversations/conv-1/messages", () => ({ status: 401, body: error("token_expired") }));
    const { client, storage, hub } = await makeClient({ fake, lastEventId: 42 });
    client.disconnect(); // offline: the send stays queued
    client.sendMessage("conv-1", "unsent");
    await client.flush();
    expect(storage.getItem("portal.outbox")).not.toBe("[]");
    const outcomes = await Promise.allSettled([client.request("GET", "/api/v1/me"), client.request("GET", "/api/v1/me")]);
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof SignedOutError)).toBe(true);
    expect(fake.callsTo("POST /api/v1/auth/refresh")).toHaveLength(1);
    await client.flush();
    expect(client.state).toMatchObject({ status: "signed_out", reason: "token_invalid" });
    expect(storage.getItem("portal.tokens")).toBeNull();
    expect(storage.getItem("portal.last_event_id")).toBeNull();
    expect(storage.getItem("portal.outbox")).toBeNull();
    expect(client.pending).toEqual([]);
    await expect(client.request("GET", "/api/v1/me")).rejects.toBeInstanceOf(SignedOutError);
    client.connect();
    await tick(60_000);
    expect(hub.live).toHaveLength(0);
  });

  it("token_revoked on any request signs out", async () => {
    const fake = new FakeFetch(ORIGIN).on("GET /api/v1/me", () => ({ status: 401, body: error("token_revoked") }));
    const { client, storage } = await makeClient({ fake, lastEventId: 1 });
    await expect(client.request("GET", "/api/v1/me")).rejects.toBeInstanceOf(SignedOutError);
    await client.flush();
    expect(client.state).toMatchObject({ status: "signed_out", reason: "token_revoked" });
    expect(storage.getItem("portal.tokens")).toBeNull();
  });

  it("a refresh that fails for a network reason keeps the session and retries later", async () => {
    const fake = new FakeFetch(ORIGIN);
    let down = true;
    fake.on("POST /api/v1/auth/refresh", () => {
      if (down) throw new FakeNetworkFailure();
      return { status: 200, body: tokenPair(2, Date.now()) };
    });
    fake.on("GET /api/v1/me", () => ({ status: 401, body: error("token_expired") }));
    const { client, storage } = await makeClient({ fake, lastEventId: 1 });
    await expect(client.request("GET", "/api/v1/me")).rejects.toBeInstanceOf(NetworkError);
    expect(client.state.status).not.toBe("signed_out");
    expect(storage.getItem("portal.tokens")).not.toBeNull();
    down = false;
    await tick(30_000);
    await client.flush();
    expect(JSON.parse(storage.getItem("portal.tokens")!).access_token).toBe("pat_2");
  });

  it("an error answer becomes an ApiError with the documented fields", async () => {
    const fake = new FakeFetch(ORIGIN).on("GET /api/v1/users", () => ({
      status: 400,
      body: error("validation_failed", { fields: { q: ["bad"] } }),
    }));
    const { client } = await makeClient({ fake, lastEventId: 1 });
    const failure = await client.request("GET", "/api/v1/users").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 400, code: "validation_failed", details: { fields: { q: ["bad"] } } });
  });

  it("a FormData body goes as multipart, with the token and without a JSON Content-Type", async () => {
    const fake = new FakeFetch(ORIGIN).on("PUT /api/v1/me/avatar", () => ({ status: 200, body: { id: "user-1" } }));
    const { client } = await makeClient({ fake });
    const form = new FormData();
    form.append("file", new Blob(["GIF89a"], { type: "image/gif" }), "a.gif");
    await client.request("PUT", "/api/v1/me/avatar", form);
    const [call] = fake.callsTo("PUT /api/v1/me/avatar");
    expect(call!.body).toBe(form);
    expect(call!.headers["Content-Type"]).toBeUndefined();
    expect(call!.headers["Authorization"]).toBe("Bearer pat_1");
    expect(await client.accessToken()).toBe("pat_1");
  });

  it("a device refusal on a request shows the policy screen", async () => {
    const fake = new FakeFetch(ORIGIN).on("GET /api/v1/me", () => ({
      status: 403,
      body: error("screen_lock_required", { reason: "screen_lock_required" }),
    }));
    const { client, hub } = await makeClient({ fake, lastEventId: 1 });
    serverAccepts(hub.last, 1);
    await expect(client.request("GET", "/api/v1/me")).rejects.toBeInstanceOf(ApiError);
    expect(client.state).toMatchObject({ status: "device_refused", reason: "screen_lock_required" });
    expect(hub.live).toHaveLength(0);
  });

  it("signs out on the server and locally", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/logout", () => ({ status: 204 }));
    const { client, hub, storage } = await makeClient({ fake, lastEventId: 3 });
    serverAccepts(hub.last, 3);
    await client.signOut();
    await client.flush();
    expect(fake.callsTo("POST /api/v1/auth/logout")[0]!.headers["Authorization"]).toBe("Bearer pat_1");
    expect(client.state).toMatchObject({ status: "signed_out", reason: "signed_out" });
    expect(hub.live).toHaveLength(0);
    expect(storage.getItem("portal.tokens")).toBeNull();
    expect(storage.getItem("portal.last_event_id")).toBeNull();
    expect(storage.getItem("portal.device_id")).not.toBeNull();
  });

  it("signs out locally even when the server cannot be reached", async () => {
    const fake = new FakeFetch(ORIGIN).on("POST /api/v1/auth/logout", () => {
      throw new FakeNetworkFailure();
    });
    const { client, storage } = await makeClient({ fake, lastEventId: 3 });
    await client.signOut();
    await client.flush();
    expect(client.state.status).toBe("signed_out");
    expect(storage.getItem("portal.tokens")).toBeNull();
  });
});
