import { describe, expect, it } from "vitest";

import { isBusy, readyIds, refusal, startUpload, uploadsReducer, type Upload, type UploadError, type UploadTransport, type XhrLike } from "./uploads.js";

const LIMITS = { max_upload_bytes: 1000, max_attachments_per_message: 2, max_body_chars: 10_000 };

function upload(id: string, fields: Partial<Upload> = {}): Upload {
  return { id, name: `${id}.pdf`, size: 500, type: "application/pdf", status: "uploading", loaded: 0, attachment: null, error: null, ...fields };
}

const attachment = (id: string) => ({ id, filename: `${id}.pdf`, size: 500, content_type: "application/pdf", thumbnail: false });

describe("the upload list", () => {
  it("follows progress to done and gives the ready ids in the order added", () => {
    let state = uploadsReducer([], { type: "add", upload: upload("a") });
    state = uploadsReducer(state, { type: "add", upload: upload("b") });
    state = uploadsReducer(state, { type: "progress", id: "a", loaded: 200 });
    expect(state[0]!.loaded).toBe(200);
    expect(isBusy(state)).toBe(true);
    state = uploadsReducer(state, { type: "done", id: "b", attachment: attachment("srv-b") });
    state = uploadsReducer(state, { type: "done", id: "a", attachment: attachment("srv-a") });
    expect(readyIds(state)).toEqual(["srv-a", "srv-b"]);
    expect(isBusy(state)).toBe(false);
    expect(state[0]!.loaded).toBe(500);
  });

  it("ignores progress going backwards or past the size, and answers after the end", () => {
    let state = uploadsReducer([], { type: "add", upload: upload("a") });
    state = uploadsReducer(state, { type: "progress", id: "a", loaded: 300 });
    state = uploadsReducer(state, { type: "progress", id: "a", loaded: 100 });
    expect(state[0]!.loaded).toBe(300);
    state = uploadsReducer(state, { type: "progress", id: "a", loaded: 9999 });
    expect(state[0]!.loaded).toBe(500);
    state = uploadsReducer(state, { type: "cancelled", id: "a" });
    const after = uploadsReducer(state, { type: "done", id: "a", attachment: attachment("late") });
    expect(after).toBe(state);
    expect(readyIds(after)).toEqual([]);
    expect(uploadsReducer(state, { type: "progress", id: "unknown", loaded: 1 })).toBe(state);
  });

  it("keeps failed ones with their reason until removed; clear empties it", () => {
    const error: UploadError = { kind: "server", status: 400, code: "file_type_not_allowed", message: "Такие файлы не принимаются." };
    let state = uploadsReducer([upload("a"), upload("b")], { type: "failed", id: "a", error });
    expect(state[0]).toMatchObject({ status: "failed", error });
    expect(isBusy(state)).toBe(true);
    state = uploadsReducer(state, { type: "remove", id: "a" });
    expect(state.map((u) => u.id)).toEqual(["b"]);
    expect(uploadsReducer(state, { type: "clear" })).toEqual([]);
  });
});

describe("refusing a file before it is uploaded", () => {
  it("refuses a file over the server's limit, naming the limit", () => {
    expect(refusal({ size: 1001 }, [], LIMITS)).toEqual({ kind: "too_large", limit: 1000 });
    expect(refusal({ size: 1000 }, [], LIMITS)).toBeNull();
  });

  it("refuses one file too many for a message; failed and cancelled ones do not count", () => {
    const two = [upload("a"), upload("b", { status: "done" })];
    expect(refusal({ size: 10 }, two, LIMITS)).toEqual({ kind: "too_many", limit: 2 });
    const notCounted = [upload("a", { status: "failed" }), upload("b", { status: "cancelled" }), upload("c")];
    expect(refusal({ size: 10 }, notCounted, LIMITS)).toBeNull();
  });

  it("refuses empty files; without known limits the server decides the rest", () => {
    expect(refusal({ size: 0 }, [], LIMITS)).toEqual({ kind: "empty" });
    expect(refusal({ size: 10 ** 12 }, [], null)).toBeNull();
  });
});

class FakeXhr implements XhrLike {
  static all: FakeXhr[] = [];
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown = null;
  aborted = false;
  status = 0;
  responseText = "";
  upload: XhrLike["upload"] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

function transport(tokens: string[] = ["tok-1", "tok-2"]) {
  const refreshed: string[] = [];
  let current = tokens[0]!;
  const t: UploadTransport = {
    accessToken: async () => current,
    refreshAccessToken: async (stale) => {
      refreshed.push(stale);
      current = tokens[refreshed.length]!;
      return current;
    },
    createXhr: () => new FakeXhr(),
    formData: (file) => ({ file }),
    language: () => "ru",
  };
  return { t, refreshed };
}

function recorder() {
  const calls: { kind: string; value?: unknown }[] = [];
  return {
    calls,
    handlers: {
      progress: (loaded: number) => calls.push({ kind: "progress", value: loaded }),
      done: (a: unknown) => calls.push({ kind: "done", value: a }),
      failed: (e: unknown) => calls.push({ kind: "failed", value: e }),
      cancelled: () => calls.push({ kind: "cancelled" }),
    },
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the upload transport", () => {
  it("posts the file with the Bearer token and reports progress and the attachment", async () => {
    FakeXhr.all = [];
    const { t } = transport();
    const { calls, handlers } = recorder();
    startUpload(t, "conv/1", "FILE", handlers);
    await flush();
    const [xhr] = FakeXhr.all;
    expect(xhr!.method).toBe("POST");
    expect(xhr!.url).toBe("/api/v1/conversations/conv%2F1/attachments");
    expect(xhr!.headers).toMatchObject({ Authorization: "Bearer tok-1", "Accept-Language": "ru" });
    expect(xhr!.body).toEqual({ file: "FILE" });
    xhr!.upload.onprogress!({ loaded: 10, lengthComputable: true });
    xhr!.upload.onprogress!({ loaded: 99, lengthComputable: false });
    xhr!.answer(201, attachment("srv-1"));
    await flush();
    expect(calls).toEqual([
      { kind: "progress", value: 10 },
      { kind: "done", value: attachment("srv-1") },
    ]);
  });

  it("refreshes once on 401 token_expired and sends again with the new token", async () => {
    FakeXhr.all = [];
    const { t, refreshed } = transport();
    const { calls, handlers } = recorder();
    startUpload(t, "c", "FILE", handlers);
    await flush();
    FakeXhr.all[0]!.answer(401, { error: { code: "token_expired", message: "", details: {} } });
    await flush();
    expect(refreshed).toEqual(["tok-1"]);
    expect(FakeXhr.all[1]!.headers["Authorization"]).toBe("Bearer tok-2");
    FakeXhr.all[1]!.answer(401, { error: { code: "token_expired", message: "expired", details: {} } });
    await flush();
    await flush();
    expect(FakeXhr.all).toHaveLength(2);
    expect(calls).toEqual([{ kind: "failed", value: { kind: "server", status: 401, code: "token_expired", message: "expired" } }]);
  });

  it("gives the server's error (type not allowed, too large) and network failures", async () => {
    FakeXhr.all = [];
    const { t } = transport();
    const first = recorder();
    startUpload(t, "c", "FILE", first.handlers);
    await flush();
    FakeXhr.all[0]!.answer(400, { error: { code: "file_type_not_allowed", message: "Программы не принимаются.", details: {} } });
    await flush();
    expect(first.calls).toEqual([{ kind: "failed", value: { kind: "server", status: 400, code: "file_type_not_allowed", message: "Программы не принимаются." } }]);

    const second = recorder();
    startUpload(t, "c", "FILE", second.handlers);
    await flush();
    const xhr = FakeXhr.all[1]!;
    xhr.status = 413;
    xhr.responseText = "<html>nginx</html>"; // a proxy's page, not JSON
    xhr.onload!();
    await flush();
    expect(second.calls).toEqual([{ kind: "failed", value: { kind: "server", status: 413, code: "http_413", message: "" } }]);

    const fourth = recorder();
    startUpload(t, "c", "FILE", fourth.handlers);
    await flush();
    FakeXhr.all[2]!.answer(413, { error: { code: "request_too_large", message: "Слишком большой запрос.", details: { limit_bytes: 1024 } } });
    await flush();
    expect(fourth.calls).toEqual([{ kind: "failed", value: { kind: "server", status: 413, code: "request_too_large", message: "Слишком большой запрос.", limit: 1024 } }]);

    const third = recorder();
    startUpload(t, "c", "FILE", third.handlers);
    await flush();
    FakeXhr.all[3]!.onerror!();
    await flush();
    expect(third.calls).toEqual([{ kind: "failed", value: { kind: "network" } }]);
  });

  it("aborts: cancelled once, nothing after; also before the request was opened", async () => {
    FakeXhr.all = [];
    const { t } = transport();
    const running = recorder();
    const abort = startUpload(t, "c", "FILE", running.handlers);
    await flush();
    abort();
    abort();
    expect(FakeXhr.all[0]!.aborted).toBe(true);
    FakeXhr.all[0]!.answer(201, attachment("late"));
    await flush();
    expect(running.calls).toEqual([{ kind: "cancelled" }]);

    const early = recorder();
    const abortEarly = startUpload(t, "c", "FILE", early.handlers);
    abortEarly(); // the token is still being read
    await flush();
    expect(FakeXhr.all).toHaveLength(1);
    expect(early.calls).toEqual([{ kind: "cancelled" }]);
  });
});
