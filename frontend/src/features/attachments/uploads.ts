/**
 * Upload state, framework-free: the list of files being uploaded for one message, their
 * progress and outcome, the check against the server's limits before anything is sent, and
 * the transport (XMLHttpRequest, for upload progress) behind an injectable factory.
 */

import type { Attachment, Limits } from "../../app/model.js";

export type { Attachment, Limits };

export type UploadStatus = "uploading" | "done" | "failed" | "cancelled";

/** Why an upload failed: refused before it started, or the server's (or network's) answer. */
export type UploadError =
  | { kind: "too_large"; limit: number }
  | { kind: "too_many"; limit: number }
  | { kind: "empty" }
  | { kind: "server"; status: number; code: string; message: string; limit?: number }
  | { kind: "network" };

export interface Upload {
  /** A local id (the attachment's id is `attachment.id` once it is done). */
  id: string;
  name: string;
  size: number;
  type: string;
  status: UploadStatus;
  /** Bytes sent so far. */
  loaded: number;
  attachment: Attachment | null;
  error: UploadError | null;
}

export type UploadAction =
  | { type: "add"; upload: Upload }
  | { type: "progress"; id: string; loaded: number }
  | { type: "done"; id: string; attachment: Attachment }
  | { type: "failed"; id: string; error: UploadError }
  | { type: "cancelled"; id: string }
  | { type: "remove"; id: string }
  | { type: "clear" };

/** The next list; unknown ids and late answers for finished uploads change nothing. */
export function uploadsReducer(state: readonly Upload[], action: UploadAction): readonly Upload[] {
  const change = (id: string, patch: (u: Upload) => Upload | null): readonly Upload[] => {
    const index = state.findIndex((u) => u.id === id);
    if (index < 0) return state;
    const next = patch(state[index]!);
    if (next === null) return state;
    const copy = state.slice();
    copy[index] = next;
    return copy;
  };
  const active = (u: Upload) => u.status === "uploading";
  switch (action.type) {
    case "add":
      return [...state, action.upload];
    case "progress":
      return change(action.id, (u) => (active(u) ? { ...u, loaded: Math.min(u.size, Math.max(u.loaded, action.loaded)) } : null));
    case "done":
      return change(action.id, (u) => (active(u) ? { ...u, status: "done", loaded: u.size, attachment: action.attachment } : null));
    case "failed":
      return change(action.id, (u) => (active(u) ? { ...u, status: "failed", error: action.error } : null));
    case "cancelled":
      return change(action.id, (u) => (active(u) ? { ...u, status: "cancelled" } : null));
    case "remove":
      return state.filter((u) => u.id !== action.id);
    case "clear":
      return [];
  }
}

/** Attachment ids ready to send, in the order the files were added. */
export function readyIds(uploads: readonly Upload[]): string[] {
  return uploads.flatMap((u) => (u.status === "done" && u.attachment ? [u.attachment.id] : []));
}

/** Something is still uploading (the message waits for it). */
export function isBusy(uploads: readonly Upload[]): boolean {
  return uploads.some((u) => u.status === "uploading");
}

/** Uploads that count towards the per-message limit (not failed, not cancelled). */
function counted(uploads: readonly Upload[]): number {
  return uploads.filter((u) => u.status === "uploading" || u.status === "done").length;
}

/**
 * The refusal of a file before it is uploaded, or null when it may go: over the size limit,
 * one file too many for a message, or empty. `limits` null (not known yet): the server decides.
 */
export function refusal(file: { size: number }, uploads: readonly Upload[], limits: Limits | null): UploadError | null {
  if (file.size === 0) return { kind: "empty" };
  if (!limits) return null;
  if (file.size > limits.max_upload_bytes) return { kind: "too_large", limit: limits.max_upload_bytes };
  if (counted(uploads) >= limits.max_attachments_per_message) return { kind: "too_many", limit: limits.max_attachments_per_message };
  return null;
}

// --- transport ----------------------------------------------------------------------------------

/** The part of XMLHttpRequest the upload uses (a fake one in tests). */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: { loaded: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface UploadTransport {
  /** The current access token (refreshed when stale). */
  accessToken(): Promise<string>;
  /** After a 401 `token_expired`: the new token. */
  refreshAccessToken(stale: string): Promise<string>;
  createXhr(): XhrLike;
  /** Builds the multipart body with the file in the field `file`. */
  formData(file: unknown): unknown;
  language: () => string;
}

export interface UploadHandlers {
  progress(loaded: number): void;
  done(attachment: Attachment): void;
  failed(error: UploadError): void;
  cancelled(): void;
}

interface Answer {
  status: number;
  text: string;
}

/**
 * Upload one file to `POST /api/v1/conversations/{id}/attachments` with the Bearer token;
 * a 401 `token_expired` refreshes and sends once more. Returns the function that aborts it.
 * Exactly one handler of done / failed / cancelled is called, once.
 */
export function startUpload(transport: UploadTransport, conversationId: string, file: unknown, handlers: UploadHandlers): () => void {
  let xhr: XhrLike | null = null;
  let finished = false;
  const finish = (call: () => void) => {
    if (finished) return;
    finished = true;
    call();
  };
  const url = `/api/v1/conversations/${encodeURIComponent(conversationId)}/attachments`;

  const send = (token: string) =>
    new Promise<Answer | "aborted" | "network">((resolve) => {
      const request = transport.createXhr();
      xhr = request;
      request.open("POST", url);
      request.setRequestHeader("Authorization", `Bearer ${token}`);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("Accept-Language", transport.language());
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && !finished) handlers.progress(event.loaded);
      };
      request.onload = () => resolve({ status: request.status, text: request.responseText });
      request.onerror = () => resolve("network");
      request.onabort = () => resolve("aborted");
      request.send(transport.formData(file));
    });

  void (async () => {
    try {
      let token = await transport.accessToken();
      for (let attempt = 0; ; attempt++) {
        if (finished) return;
        const answer = await send(token);
        if (answer === "aborted") return finish(handlers.cancelled);
        if (answer === "network") return finish(() => handlers.failed({ kind: "network" }));
        const body = parseJson(answer.text);
        if (answer.status >= 200 && answer.status < 300 && isAttachment(body)) {
          return finish(() => handlers.done(body));
        }
        const error = serverError(answer.status, body);
        if (answer.status === 401 && error.code === "token_expired" && attempt === 0) {
          token = await transport.refreshAccessToken(token);
          continue;
        }
        return finish(() => handlers.failed(error));
      }
    } catch {
      finish(() => handlers.failed({ kind: "network" }));
    }
  })();

  return () => {
    if (finished) return;
    finish(handlers.cancelled);
    xhr?.abort();
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function isAttachment(value: unknown): value is Attachment {
  return !!value && typeof value === "object" && typeof (value as Attachment).id === "string";
}

function serverError(status: number, body: unknown): Extract<UploadError, { kind: "server" }> {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: { limit_bytes?: unknown } } } | null)?.error;
  const limit = error?.details?.limit_bytes;
  return {
    kind: "server",
    status,
    code: typeof error?.code === "string" ? error.code : `http_${status}`,
    message: typeof error?.message === "string" ? error.message : "",
    // 413 request_too_large names the limit: shown like a refusal before the upload.
    ...(typeof limit === "number" ? { limit } : {}),
  };
}
