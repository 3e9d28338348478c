import { describe, expect, it } from "vitest";

import { docUploadsReducer, localSessionStore, PART_RETRIES, startDocumentUpload, uploadKey, type DocUpload, type DocUploadError, type DocUploadTransport, type UploadSessionStore, type UploadTarget, type XhrLike } from "./upload.js";

type Reply = { status: number; body?: unknown } | "network";

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** The server side of the fake XHR: answers each request as `route` says, asynchronously,
 * reporting upload progress in two steps for bodies with a size. */
class FakeServer {
  sent: Sent[] = [];
  aborted = 0;
  /** Hold the next request matching this until `release()`: to cancel in the middle. */
  holdMatching: RegExp | null = null;
  private held: (() => void) | null = null;

  /** The sessions remembered across "reloads" (each `run` is one page's upload). */
  sessions: UploadSessionStore | undefined;

  constructor(readonly route: (request: Sent) => Reply) {}

  transport(): DocUploadTransport {
    let token = "token-1";
    return {
      sessions: this.sessions,
      accessToken: async () => token,
      refreshAccessToken: async () => (token = "token-2"),
      createXhr: () => this.xhr(),
      formData: (file, fields) => ({ file, fields }),
      language: () => "ru",
      retryDelayMs: () => 0,
    };
  }

  release(): void {
    this.held?.();
    this.held = null;
  }

  private xhr(): XhrLike {
    const server = this;
    const request: Sent = { method: "", url: "", headers: {}, body: null };
    let done = false;
    const xhr: XhrLike & { status: number; responseText: string } = {
      status: 0,
      responseText: "",
      upload: { onprogress: null },
      onload: null,
      onerror: null,
      onabort: null,
      open(method, url) {
        request.method = method;
        request.url = url;
      },
      setRequestHeader(name, value) {
        request.headers[name] = value;
      },
      send(body) {
        request.body = body;
        server.sent.push({ ...request });
        const answer = () => {
          if (done) return;
          const size = body instanceof Blob ? body.size : 0;
          if (size) xhr.upload.onprogress?.({ loaded: Math.floor(size / 2), lengthComputable: true });
          if (size) xhr.upload.onprogress?.({ loaded: size, lengthComputable: true });
          const reply = server.route(request);
          done = true;
          if (reply === "network") return xhr.onerror?.();
          xhr.status = reply.status;
          xhr.responseText = reply.body === undefined ? "" : JSON.stringify(reply.body);
          xhr.onload?.();
        };
        if (server.holdMatching?.test(`${request.method} ${request.url}`)) {
          server.holdMatching = null;
          server.held = () => setTimeout(answer, 0);
        } else setTimeout(answer, 0);
      },
      abort() {
        if (done) return;
        done = true;
        server.aborted += 1;
        xhr.onabort?.();
      },
    };
    return xhr;
  }
}

interface Outcome {
  progress: [number, number, number | null][];
  done: unknown[];
  failed: DocUploadError[];
  cancelled: number;
}

function run(server: FakeServer, target: UploadTarget, file: Blob & { name?: string }, options?: { resumableFrom?: number }) {
  const outcome: Outcome = { progress: [], done: [], failed: [], cancelled: 0 };
  let settle: () => void;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const cancel = startDocumentUpload(
    server.transport(),
    target,
    file,
    {
      progress: (loaded, partsDone, parts) => outcome.progress.push([loaded, partsDone, parts]),
      done: (result) => {
        outcome.done.push(result);
        settle();
      },
      failed: (error) => {
        outcome.failed.push(error);
        settle();
      },
      cancelled: () => {
        outcome.cancelled += 1;
        settle();
      },
    },
    options,
  );
  return { outcome, finished, cancel };
}

const bytes = (n: number, name = "report.pdf") => Object.assign(new Blob([new Uint8Array(n).map((_, i) => i % 251)]), { name });
const error = (code: string, message = code) => ({ error: { code, message, details: {} } });

describe("a small file in one request", () => {
  it("creates a document in the folder with its name, reporting progress", async () => {
    const server = new FakeServer(() => ({ status: 201, body: { id: "d-1", name: "report.pdf" } }));
    const { outcome, finished } = run(server, { folderId: "f-1" }, bytes(100));
    await finished;
    expect(server.sent).toHaveLength(1);
    const [request] = server.sent;
    expect(request).toMatchObject({ method: "POST", url: "/api/v1/folders/f-1/documents" });
    expect(request!.headers).toMatchObject({ Authorization: "Bearer token-1", "Accept-Language": "ru" });
    expect((request!.body as { fields: Record<string, string> }).fields).toEqual({ name: "report.pdf" });
    expect(outcome.done).toEqual([{ id: "d-1", name: "report.pdf" }]);
    expect(outcome.failed).toEqual([]);
  });

  it("sends a new version naming its base; someone else's upload since is a conflict (412)", async () => {
    const server = new FakeServer(() => ({ status: 412, body: error("version_conflict", "Документ изменился") }));
    const { outcome, finished } = run(server, { documentId: "d-1", baseVersionId: "v-3" }, bytes(10));
    await finished;
    expect(server.sent[0]).toMatchObject({ method: "POST", url: "/api/v1/documents/d-1/versions" });
    expect((server.sent[0]!.body as { fields: Record<string, string> }).fields).toEqual({ base_version_id: "v-3" });
    expect(outcome.failed).toEqual([{ kind: "conflict", message: "Документ изменился" }]);
    expect(outcome.done).toEqual([]);
  });

  it("refreshes an expired token once and sends again", async () => {
    let calls = 0;
    const server = new FakeServer(() => (++calls === 1 ? { status: 401, body: error("token_expired") } : { status: 201, body: { id: "d-2" } }));
    const { outcome, finished } = run(server, { folderId: "f-1" }, bytes(10));
    await finished;
    expect(server.sent.map((s) => s.headers["Authorization"])).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(outcome.done).toEqual([{ id: "d-2" }]);
  });

  it("shows a 413 with the server's words", async () => {
    const server = new FakeServer(() => ({ status: 413, body: { error: { code: "file_too_large", message: "Не больше 4 ГБ", details: { limit_bytes: 4096 } } } }));
    const { outcome, finished } = run(server, { folderId: "f-1" }, bytes(10));
    await finished;
    expect(outcome.failed).toEqual([{ kind: "too_large", message: "Не больше 4 ГБ", limit: 4096 }]);
  });
});

/** A resumable session on the fake server: part size 40, parts already held in `initial`. */
function sessionServer({ initial = [] as number[], breakPart = 0, breaks = 0, completeStatus = 201 } = {}) {
  const parts = new Map<number, Blob>();
  for (const n of initial) parts.set(n, new Blob(["x"]));
  let broken = 0;
  const server = new FakeServer((request) => {
    const path = request.url.replace("/api/v1/", "");
    if (request.method === "POST" && path === "uploads") return { status: 201, body: { id: "u-1", part_size: 40, parts: initial, size: 100, expires_at: "2026-12-02T10:00:00Z" } };
    const part = /^uploads\/u-1\/parts\/(\d+)$/.exec(path);
    if (request.method === "PUT" && part) {
      const n = Number(part[1]);
      if (n === breakPart && broken < breaks) {
        broken += 1;
        return "network";
      }
      parts.set(n, request.body as Blob);
      return { status: 200, body: { number: n, size: (request.body as Blob).size } };
    }
    if (request.method === "GET" && path === "uploads/u-1") return { status: 200, body: { id: "u-1", part_size: 40, parts: [...parts.keys()], size: 100 } };
    if (request.method === "POST" && path === "uploads/u-1/complete") {
      return completeStatus === 201 ? { status: 201, body: { id: "v-9", number: 2 } } : { status: completeStatus, body: error("version_conflict") };
    }
    if (request.method === "DELETE" && path === "uploads/u-1") return { status: 204 };
    return { status: 404, body: error("not_found") };
  });
  return { server, parts };
}

describe("a large file through the resumable session", () => {
  it("declares the size, sends every part in order as raw bytes, completes, and counts progress up to the size", async () => {
    const { server, parts } = sessionServer();
    const file = bytes(100);
    const { outcome, finished } = run(server, { documentId: "d-1", baseVersionId: "v-1" }, file, { resumableFrom: 50 });
    await finished;
    expect(server.sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /api/v1/uploads",
      "PUT /api/v1/uploads/u-1/parts/1",
      "PUT /api/v1/uploads/u-1/parts/2",
      "PUT /api/v1/uploads/u-1/parts/3",
      "POST /api/v1/uploads/u-1/complete",
    ]);
    expect(JSON.parse(server.sent[0]!.body as string)).toEqual({ name: "report.pdf", size: 100, document_id: "d-1", base_version_id: "v-1" });
    expect(server.sent[1]!.headers["Content-Type"]).toBe("application/octet-stream");
    const sizes = [1, 2, 3].map((n) => parts.get(n)!.size);
    expect(sizes).toEqual([40, 40, 20]);
    const joined = new Uint8Array(await new Blob([...[1, 2, 3].map((n) => parts.get(n)!)]).arrayBuffer());
    expect(joined).toEqual(new Uint8Array(await file.arrayBuffer()));
    const loaded = outcome.progress.map(([l]) => l);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(outcome.progress.at(-1)).toEqual([100, 3, 3]);
    expect(outcome.done).toEqual([{ id: "v-9", number: 2 }]);
  });

  it("skips the parts the session already holds", async () => {
    const { server } = sessionServer({ initial: [1] });
    const { outcome, finished } = run(server, { folderId: "f-1" }, bytes(100), { resumableFrom: 50 });
    await finished;
    expect(server.sent.filter((s) => s.method === "PUT").map((s) => s.url)).toEqual(["/api/v1/uploads/u-1/parts/2", "/api/v1/uploads/u-1/parts/3"]);
    expect(outcome.progress[0]).toEqual([40, 1, 3]);
    expect(outcome.done).toHaveLength(1);
  });

  it("sends a part again after a broken connection, asking the session what it holds", async () => {
    const { server } = sessionServer({ breakPart: 2, breaks: 2 });
    const { outcome, finished } = run(server, { folderId: "f-1" }, bytes(100), { resumableFrom: 50 });
    await finished;
    const puts = server.sent.filter((s) => s.method === "PUT").map((s) => s.url.split("/").pop());
    expect(puts).toEqual(["1", "2", "2", "2", "3"]);
    expect(server.sent.filter((s) => s.method === "GET")).toHaveLength(2);
    expect(outcome.done).toHaveLength(1);
  });

  it(`gives up after ${PART_RETRIES} retries of one part, keeping the session for later`, async () => {
    const { server } = sessionServer({ breakPart: 1, breaks: 99 });
    const { outcome, finished } = run(server, { folderId: "f-1" }, bytes(100), { resumableFrom: 50 });
    await finished;
    expect(server.sent.filter((s) => s.method === "PUT")).toHaveLength(PART_RETRIES + 1);
    expect(outcome.failed).toEqual([{ kind: "network" }]);
    expect(server.sent.some((s) => s.method === "DELETE")).toBe(false);
  });

  it("a conflict on completion is the end of it: the server has dropped the session", async () => {
    const { server } = sessionServer({ completeStatus: 412 });
    const { outcome, finished } = run(server, { documentId: "d-1", baseVersionId: "v-1" }, bytes(100), { resumableFrom: 50 });
    await finished;
    expect(outcome.failed[0]?.kind).toBe("conflict");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.sent.at(-1)).toMatchObject({ method: "POST", url: "/api/v1/uploads/u-1/complete" });
  });

  it("a part the server refuses lets the session go", async () => {
    const { server } = sessionServer();
    const refusing = new FakeServer((request) =>
      request.method === "PUT" && request.url.endsWith("/parts/2") ? { status: 400, body: error("upload_part_invalid") } : server.route(request),
    );
    const { outcome, finished } = run(refusing, { folderId: "f-1" }, bytes(100), { resumableFrom: 50 });
    await finished;
    expect(outcome.failed[0]).toMatchObject({ kind: "server", code: "upload_part_invalid" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(refusing.sent.at(-1)).toMatchObject({ method: "DELETE", url: "/api/v1/uploads/u-1" });
  });

  it("cancel aborts the part in flight and deletes the session; nothing more is sent", async () => {
    const { server } = sessionServer();
    server.holdMatching = /PUT .*parts\/2$/;
    const { outcome, finished, cancel } = run(server, { folderId: "f-1" }, bytes(100), { resumableFrom: 50 });
    for (let i = 0; i < 50 && !server.sent.some((s) => s.url.endsWith("/parts/2")); i++) await new Promise((resolve) => setTimeout(resolve, 1));
    cancel();
    cancel(); // a second press changes nothing
    await finished;
    await new Promise((resolve) => setTimeout(resolve, 5));
    server.release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(outcome.cancelled).toBe(1);
    expect(outcome.done).toEqual([]);
    expect(server.aborted).toBe(1);
    expect(server.sent.map((s) => `${s.method} ${s.url}`).slice(-2)).toEqual(["PUT /api/v1/uploads/u-1/parts/2", "DELETE /api/v1/uploads/u-1"]);
  });
});

describe("the list of uploads", () => {
  const upload = (fields: Partial<DocUpload> = {}): DocUpload => ({ id: "a", name: "a.pdf", size: 100, status: "uploading", loaded: 0, parts: null, partsDone: 0, error: null, ...fields });

  it("follows progress forward only and ignores answers after the end", () => {
    let state = docUploadsReducer([], { type: "add", upload: upload() });
    state = docUploadsReducer(state, { type: "progress", id: "a", loaded: 60, partsDone: 1, parts: 3 });
    state = docUploadsReducer(state, { type: "progress", id: "a", loaded: 40, partsDone: 1, parts: 3 });
    expect(state[0]).toMatchObject({ loaded: 60, partsDone: 1, parts: 3 });
    state = docUploadsReducer(state, { type: "cancelled", id: "a" });
    expect(docUploadsReducer(state, { type: "done", id: "a" })).toBe(state);
    expect(docUploadsReducer(state, { type: "remove", id: "a" })).toEqual([]);
  });
});

/** A Storage in memory, as localStorage behaves. */
function memoryStorage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
}

describe("resuming after a page reload", () => {
  const file = () => Object.assign(bytes(100, "big.bin"), { lastModified: 1_700_000_000_000 });
  const target = { folderId: "f-1" };

  it("keeps the session after a broken connection; the same file chosen again sends only the missing parts", async () => {
    const storage = memoryStorage();
    const { server, parts } = sessionServer({ breakPart: 2, breaks: PART_RETRIES + 1 });
    server.sessions = localSessionStore(storage);
    const first = run(server, target, file(), { resumableFrom: 10 });
    await first.finished;
    expect(first.outcome.failed).toEqual([{ kind: "network" }]);
    expect([...parts.keys()]).toEqual([1]);
    expect([...storage.items.values()]).toEqual(["u-1"]);
    expect([...storage.items.keys()]).toEqual([`portal.upload.${uploadKey(target, file())}`]);

    // The page reloads: a new upload of the same file asks the session and goes on.
    server.sent = [];
    const second = run(server, target, file(), { resumableFrom: 10 });
    await second.finished;
    expect(second.outcome.done).toEqual([{ id: "v-9", number: 2 }]);
    expect(server.sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /api/v1/uploads/u-1",
      "PUT /api/v1/uploads/u-1/parts/2",
      "PUT /api/v1/uploads/u-1/parts/3",
      "POST /api/v1/uploads/u-1/complete",
    ]);
    // Progress starts from what the server held.
    expect(second.outcome.progress[0]).toEqual([40, 1, 3]);
    expect(storage.items.size).toBe(0);
  });

  it("another file (changed on disk) or another folder starts its own session", () => {
    const changed = Object.assign(bytes(100, "big.bin"), { lastModified: 1_700_000_000_001 });
    expect(uploadKey(target, changed)).not.toEqual(uploadKey(target, file()));
    expect(uploadKey({ folderId: "f-2" }, file())).not.toEqual(uploadKey(target, file()));
    expect(uploadKey({ documentId: "d-1", baseVersionId: "v-1" }, file())).not.toEqual(uploadKey({ documentId: "d-1", baseVersionId: "v-2" }, file()));
  });

  it("forgets a session the server no longer has and starts a new one", async () => {
    const storage = memoryStorage();
    const store = localSessionStore(storage);
    store.set(uploadKey(target, file()), "u-gone");
    const { server } = sessionServer();
    server.sessions = store;
    const { outcome, finished } = run(server, target, file(), { resumableFrom: 10 });
    await finished;
    expect(outcome.done).toHaveLength(1);
    expect(server.sent.slice(0, 2).map((r) => `${r.method} ${r.url}`)).toEqual(["GET /api/v1/uploads/u-gone", "POST /api/v1/uploads"]);
    expect(storage.items.size).toBe(0);
  });

  it("forgets the session when cancelled or refused", async () => {
    const storage = memoryStorage();
    const { server } = sessionServer({ completeStatus: 412 });
    server.sessions = localSessionStore(storage);
    const refused = run(server, target, file(), { resumableFrom: 10 });
    await refused.finished;
    expect(refused.outcome.failed[0]?.kind).toBe("conflict");
    expect(storage.items.size).toBe(0);

    server.holdMatching = /PUT .*parts\/2/;
    const cancelled = run(server, target, file(), { resumableFrom: 10 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(storage.items.size).toBe(1);
    cancelled.cancel();
    await cancelled.finished;
    expect(cancelled.outcome.cancelled).toBe(1);
    expect(storage.items.size).toBe(0);
  });
});
