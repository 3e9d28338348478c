import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { appStore, useApp } from "../app/store.js";
import { getLanguage } from "../i18n/index.js";
import { errorMessage } from "../ui/errors.js";
import { ApiError } from "../realtime/index.js";
import type { DocumentItem, Version } from "./api.js";
import { docUploadsReducer, localSessionStore, startDocumentUpload, type DocUpload, type DocUploadTransport, type UploadTarget, type XhrLike } from "./upload.js";

/** How many documents' events concerned any of `keys` (documents/events.ts): put it in an
 * effect's dependencies to load again when one arrives. */
export function useDocumentChanges(...keys: string[]): number {
  return useApp((s) => keys.reduce((sum, key) => sum + (s.documentChanges?.[key] ?? 0), 0));
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * `load()` now and whenever `deps` change (an event counter among them); the last answer
 * wins, an answer for an older request is dropped. The data stays on screen while reloading
 * and after a failure, except a 403 or 404 (access revoked, deleted): then it goes.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const request = useRef(0);
  useEffect(() => {
    const mine = ++request.current;
    setLoading(true);
    load()
      .then((value) => {
        if (mine !== request.current) return;
        setData(value);
        setError(null);
      })
      .catch((e: unknown) => {
        if (mine !== request.current) return;
        setError(errorMessage(e));
        // Gone or no longer allowed (a revoked share, a deleted document): stop showing it.
        if (e instanceof ApiError && (e.status === 403 || e.status === 404)) setData(null);
      })
      .finally(() => {
        if (mine === request.current) setLoading(false);
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

function browserTransport(): DocUploadTransport {
  const client = appStore().client;
  return {
    accessToken: () => client.accessToken(),
    refreshAccessToken: (stale) => client.refreshAccessToken(stale),
    createXhr: () => new XMLHttpRequest() as unknown as XhrLike,
    formData: (file, fields) => {
      const data = new FormData();
      for (const [key, value] of Object.entries(fields)) data.append(key, value);
      data.append("file", file as File);
      return data;
    },
    language: getLanguage,
    sessions: localSessionStore(window.localStorage),
  };
}

let counter = 0;

export interface DocUploads {
  uploads: readonly DocUpload[];
  add(files: readonly File[], target: UploadTarget): void;
  cancel(id: string): void;
  remove(id: string): void;
}

/** Files being uploaded from one screen; leaving the screen cancels what is still running. */
export function useDocUploads(onDone: (result: DocumentItem | Version) => void): DocUploads {
  const [uploads, dispatch] = useReducer(docUploadsReducer, []);
  const aborts = useRef(new Map<string, () => void>());
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    const running = aborts.current;
    return () => {
      for (const abort of running.values()) abort();
      running.clear();
    };
  }, []);
  const add = useCallback((files: readonly File[], target: UploadTarget) => {
    for (const file of files) {
      const id = `doc-upload-${++counter}`;
      dispatch({ type: "add", upload: { id, name: file.name, size: file.size, status: "uploading", loaded: 0, parts: null, partsDone: 0, error: null } });
      const abort = startDocumentUpload(browserTransport(), target, file, {
        progress: (loaded, partsDone, parts) => dispatch({ type: "progress", id, loaded, partsDone, parts }),
        done: (result) => {
          aborts.current.delete(id);
          dispatch({ type: "done", id });
          done.current(result);
        },
        failed: (error) => {
          aborts.current.delete(id);
          dispatch({ type: "failed", id, error });
        },
        cancelled: () => {
          aborts.current.delete(id);
          dispatch({ type: "cancelled", id });
        },
      });
      aborts.current.set(id, abort);
    }
  }, []);
  const cancel = useCallback((id: string) => aborts.current.get(id)?.(), []);
  const remove = useCallback((id: string) => {
    aborts.current.get(id)?.();
    dispatch({ type: "remove", id });
  }, []);
  return { uploads, add, cancel, remove };
}
