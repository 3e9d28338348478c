/**
 * Uploading a file into the documents (framework-free; the screens hold the state).
 *
 * - Small files go in one multipart request: `POST /folders/{id}/documents` (a new
 *   document) or `POST /documents/{id}/versions` (a new version, naming the version it was
 *   based on: someone else's upload since answers 412 `version_conflict`).
 * - Larger files (over one part) go through the resumable session: `POST /uploads` →
 *   `{id, part_size, parts}`, then `PUT /uploads/{id}/parts/{n}` with the raw bytes of each
 *   part not yet received, in order (the server hashes them as they arrive), then
 *   `POST /uploads/{id}/complete`. A part whose request broke is sent again (a bounded
 *   number of times, asking the session which parts it holds); cancel aborts the request
 *   and deletes the session (`DELETE /uploads/{id}`), so the server forgets the parts.
 * - A resumable upload survives a page reload: its session id is kept (the transport's
 *   `sessions`, localStorage in the browser) under the target and the file's identity —
 *   name, size, lastModified. Choosing the same file for the same place again asks the
 *   session which parts the server holds (`GET /uploads/{id}`) and sends only the rest;
 *   a session the server no longer has (completed, cancelled, expired after 24 h) is
 *   forgotten and a new one started. The id is forgotten when the upload ends in any way
 *   but a broken connection.
 *
 * Exactly one of done / failed / cancelled is called, once.
 */
import type { UploadTransport, XhrLike } from "../features/attachments/uploads.js";
import type { DocumentItem, Version } from "./api.js";

export type { XhrLike };

/** Where the file goes: a new document in a folder, or a new version of a document. */
export type UploadTarget = { folderId: string } | { documentId: string; baseVersionId: string | null };

export type DocUploadError =
  | { kind: "conflict"; message: string }
  | { kind: "too_large"; message: string; limit: number | null }
  | { kind: "server"; status: number; code: string; message: string }
  | { kind: "network" };

export type DocUploadStatus = "uploading" | "done" | "failed" | "cancelled";

export interface DocUpload {
  id: string;
  name: string;
  size: number;
  status: DocUploadStatus;
  loaded: number;
  /** Resumable uploads: the session's parts, and how many are stored. */
  parts: number | null;
  partsDone: number;
  error: DocUploadError | null;
}

export interface DocUploadHandlers {
  progress(loaded: number, partsDone: number, parts: number | null): void;
  done(result: DocumentItem | Version): void;
  failed(error: DocUploadError): void;
  cancelled(): void;
}

export interface DocUploadTransport extends Pick<UploadTransport, "accessToken" | "refreshAccessToken" | "createXhr" | "language"> {
  /** A multipart body with `file` and the given text fields. */
  formData(file: Blob & { name?: string }, fields: Record<string, string>): unknown;
  /** Wait this long before sending a part again (tests pass 0). */
  retryDelayMs?: (attempt: number) => number;
  /** Where resumable sessions are remembered across reloads (none: not remembered). */
  sessions?: UploadSessionStore;
}

/** Session ids of unfinished resumable uploads, by `uploadKey`. */
export interface UploadSessionStore {
  get(key: string): string | null;
  set(key: string, sessionId: string): void;
  delete(key: string): void;
}

/** The file's identity and where it goes: the same file chosen again for the same place has
 * the same key (a file changed on disk has another size or lastModified). */
export function uploadKey(target: UploadTarget, file: Blob & { name?: string; lastModified?: number }): string {
  const where = "folderId" in target ? `folder:${target.folderId}` : `document:${target.documentId}:${target.baseVersionId ?? ""}`;
  return JSON.stringify([where, file.name ?? "file", file.size, file.lastModified ?? 0]);
}

/** The browser's store: localStorage, one entry per upload (`portal.upload.<key>`). */
export function localSessionStore(storage: Pick<Storage, "getItem" | "setItem" | "removeItem">): UploadSessionStore {
  const name = (key: string) => `portal.upload.${key}`;
  const quietly = (call: () => void) => {
    try {
      call();
    } catch {
      // storage full or blocked: the upload goes on, it just cannot be resumed after a reload
    }
  };
  return {
    get: (key) => {
      try {
        return storage.getItem(name(key));
      } catch {
        return null;
      }
    },
    set: (key, sessionId) => quietly(() => storage.setItem(name(key), sessionId)),
    delete: (key) => quietly(() => storage.removeItem(name(key))),
  };
}

/** Files over this size go through the resumable session (the server's default part size). */
export const RESUMABLE_FROM = 8 * 1024 * 1024;
/** How many times one part is sent again after its request broke. */
export const PART_RETRIES = 3;

interface Answer {
  status: number;
  body: unknown;
}

class Cancelled extends Error {}

class Failed extends Error {
  constructor(readonly reason: DocUploadError) {
    super(reason.kind);
  }
}

/** Start uploading `file`; the returned function cancels it. */
export function startDocumentUpload(
  transport: DocUploadTransport,
  target: UploadTarget,
  file: Blob & { name?: string },
  handlers: DocUploadHandlers,
  { resumableFrom = RESUMABLE_FROM }: { resumableFrom?: number } = {},
): () => void {
  let finished = false;
  let cancelled = false;
  let xhr: XhrLike | null = null;
  let sessionId: string | null = null;
  const key = uploadKey(target, file);
  const remembered = transport.sessions;
  const finish = (call: () => void) => {
    if (finished) return;
    finished = true;
    call();
  };
  const name = file.name ?? "file";

  /** One request with the bearer token (refreshed once on 401 `token_expired`). */
  const send = async (method: string, path: string, body: unknown, contentType: string | null, onProgress?: (loaded: number) => void): Promise<Answer> => {
    let token = await transport.accessToken();
    for (let attempt = 0; ; attempt++) {
      if (cancelled) throw new Cancelled();
      const answer = await new Promise<Answer | "aborted" | "network">((resolve) => {
        const request = transport.createXhr();
        xhr = request;
        request.open(method, `/api/v1/${path}`);
        request.setRequestHeader("Authorization", `Bearer ${token}`);
        request.setRequestHeader("Accept", "application/json");
        request.setRequestHeader("Accept-Language", transport.language());
        if (contentType) request.setRequestHeader("Content-Type", contentType);
        request.upload.onprogress = (event) => {
          if (event.lengthComputable && onProgress && !finished) onProgress(event.loaded);
        };
        request.onload = () => resolve({ status: request.status, body: parseJson(request.responseText) });
        request.onerror = () => resolve("network");
        request.onabort = () => resolve("aborted");
        request.send(body);
      });
      xhr = null;
      if (answer === "aborted" || cancelled) throw new Cancelled();
      if (answer === "network") throw new Failed({ kind: "network" });
      if (answer.status === 401 && errorCode(answer.body) === "token_expired" && attempt === 0) {
        token = await transport.refreshAccessToken(token);
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      throw new Failed(serverError(answer.status, answer.body));
    }
  };
  const json = (method: string, path: string, body?: unknown) =>
    send(method, path, body === undefined ? null : JSON.stringify(body), body === undefined ? null : "application/json");

  const single = async (): Promise<DocumentItem | Version> => {
    const fields: Record<string, string> = {};
    let path: string;
    if ("folderId" in target) {
      path = `folders/${encodeURIComponent(target.folderId)}/documents`;
      fields["name"] = name;
    } else {
      path = `documents/${encodeURIComponent(target.documentId)}/versions`;
      if (target.baseVersionId) fields["base_version_id"] = target.baseVersionId;
    }
    const answer = await send("POST", path, transport.formData(file, fields), null, (loaded) => handlers.progress(Math.min(loaded, file.size), 0, null));
    return answer.body as DocumentItem | Version;
  };

  type Session = { id: string; part_size: number; parts: number[]; size: number };

  /** The session of an earlier attempt at this file (a reload since), if the server still
   * has it for a file of this size; forgotten otherwise. */
  const earlier = async (): Promise<Session | null> => {
    const id = remembered?.get(key);
    if (!id) return null;
    try {
      const session = (await json("GET", `uploads/${encodeURIComponent(id)}`)).body as Session;
      if (session.size === file.size) return session;
    } catch (error) {
      if (!(error instanceof Failed) || error.reason.kind === "network") throw error;
    }
    remembered?.delete(key);
    return null;
  };

  const resumable = async (): Promise<DocumentItem | Version> => {
    const start: Record<string, unknown> = { name, size: file.size };
    if ("folderId" in target) start["folder_id"] = target.folderId;
    else {
      start["document_id"] = target.documentId;
      if (target.baseVersionId) start["base_version_id"] = target.baseVersionId;
    }
    const session = (await earlier()) ?? ((await json("POST", "uploads", start)).body as Session);
    sessionId = session.id;
    remembered?.set(key, session.id);
    const partSize = session.part_size;
    const count = Math.max(1, Math.ceil(file.size / partSize));
    let received = new Set(session.parts);
    const partBytes = (n: number) => Math.min(partSize, file.size - (n - 1) * partSize);
    const stored = () => [...received].reduce((sum, n) => sum + partBytes(n), 0);
    handlers.progress(stored(), received.size, count);
    for (let n = 1; n <= count; n++) {
      if (received.has(n)) continue;
      const bytes = file.slice((n - 1) * partSize, (n - 1) * partSize + partBytes(n));
      for (let attempt = 0; ; attempt++) {
        try {
          const before = stored();
          await send("PUT", `uploads/${encodeURIComponent(session.id)}/parts/${n}`, bytes, "application/octet-stream", (loaded) =>
            handlers.progress(before + Math.min(loaded, partBytes(n)), received.size, count),
          );
          received.add(n);
          handlers.progress(stored(), received.size, count);
          break;
        } catch (error) {
          if (!(error instanceof Failed) || error.reason.kind !== "network" || attempt >= PART_RETRIES) throw error;
          await delay(transport.retryDelayMs?.(attempt) ?? 500 * 2 ** attempt);
          if (cancelled) throw new Cancelled();
          // The connection broke: ask which parts the session holds, then go on from there.
          try {
            const state = (await json("GET", `uploads/${encodeURIComponent(session.id)}`)).body as { parts: number[] };
            received = new Set(state.parts);
          } catch (inner) {
            if (!(inner instanceof Failed) || inner.reason.kind !== "network") throw inner;
          }
          if (received.has(n)) break;
        }
      }
    }
    // A refused completion (412: someone uploaded since) ends the session on the server.
    const id = session.id;
    sessionId = null;
    try {
      const done = await json("POST", `uploads/${encodeURIComponent(id)}/complete`);
      return done.body as DocumentItem | Version;
    } catch (error) {
      // A refusal ends the session; a broken connection may have completed it: ask again.
      if (!(error instanceof Failed) || error.reason.kind !== "network") remembered?.delete(key);
      throw error;
    }
  };

  void (async () => {
    try {
      const result = file.size > resumableFrom ? await resumable() : await single();
      remembered?.delete(key);
      finish(() => handlers.done(result));
    } catch (error) {
      if (error instanceof Cancelled) return finish(handlers.cancelled);
      if (error instanceof Failed) {
        // A session the server still holds is let go (a part refused, say); after a broken
        // connection it is kept, to be resumed when the same file is chosen again.
        if (sessionId && error.reason.kind !== "network") {
          remembered?.delete(key);
          void json("DELETE", `uploads/${encodeURIComponent(sessionId)}`).catch(() => undefined);
        }
        return finish(() => handlers.failed(error.reason));
      }
      finish(() => handlers.failed({ kind: "network" }));
    }
  })();

  return () => {
    if (finished) return;
    cancelled = true;
    finish(handlers.cancelled);
    remembered?.delete(key);
    xhr?.abort();
    const id = sessionId;
    sessionId = null;
    if (id) {
      // The session is deleted so that the parts stored so far are dropped (S3 abort).
      void (async () => {
        try {
          const token = await transport.accessToken();
          const request = transport.createXhr();
          request.open("DELETE", `/api/v1/uploads/${encodeURIComponent(id)}`);
          request.setRequestHeader("Authorization", `Bearer ${token}`);
          request.send(null);
        } catch {
          // abandoned sessions are aborted by the server after 24 h
        }
      })();
    }
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorCode(body: unknown): string | null {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  return typeof error?.code === "string" ? error.code : null;
}

/** The server's refusal: 412 is a conflict (someone uploaded since), 413 too large. */
export function serverError(status: number, body: unknown): DocUploadError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  if (status === 412) return { kind: "conflict", message };
  if (status === 413) {
    const limit = error?.details?.["limit_bytes"];
    return { kind: "too_large", message, limit: typeof limit === "number" ? limit : null };
  }
  return { kind: "server", status, code, message };
}

// --- the list of uploads a screen shows ---------------------------------------------------------

export type DocUploadAction =
  | { type: "add"; upload: DocUpload }
  | { type: "progress"; id: string; loaded: number; partsDone: number; parts: number | null }
  | { type: "done"; id: string }
  | { type: "failed"; id: string; error: DocUploadError }
  | { type: "cancelled"; id: string }
  | { type: "remove"; id: string };

/** The next list; late answers for finished uploads change nothing. */
export function docUploadsReducer(state: readonly DocUpload[], action: DocUploadAction): readonly DocUpload[] {
  if (action.type === "add") return [...state, action.upload];
  if (action.type === "remove") return state.filter((u) => u.id !== action.id);
  const index = state.findIndex((u) => u.id === action.id);
  const upload = state[index];
  if (!upload || upload.status !== "uploading") return state;
  let next: DocUpload;
  switch (action.type) {
    case "progress":
      next = { ...upload, loaded: Math.min(upload.size, Math.max(upload.loaded, action.loaded)), partsDone: action.partsDone, parts: action.parts };
      break;
    case "done":
      next = { ...upload, status: "done", loaded: upload.size };
      break;
    case "failed":
      next = { ...upload, status: "failed", error: action.error };
      break;
    case "cancelled":
      next = { ...upload, status: "cancelled" };
      break;
  }
  const copy = state.slice();
  copy[index] = next;
  return copy;
}
