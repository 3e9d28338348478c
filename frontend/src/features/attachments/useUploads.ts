import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import { appStore, useApp } from "../../app/store.js";
import { getLanguage } from "../../i18n/index.js";
import { isBusy, readyIds, refusal, startUpload, uploadsReducer, type Upload, type UploadTransport, type XhrLike } from "./uploads.js";

export interface Uploads {
  uploads: Upload[];
  add(files: File[]): void;
  cancel(id: string): void;
  remove(id: string): void;
  clear(): void;
  /** Attachment ids of finished uploads, in order: pass as `attachment_ids` with the message. */
  readyIds: string[];
  /** Something is still uploading. */
  busy: boolean;
}

let localCounter = 0;

function browserTransport(): UploadTransport {
  const client = appStore().client;
  return {
    accessToken: () => client.accessToken(),
    refreshAccessToken: (stale) => client.refreshAccessToken(stale),
    createXhr: () => new XMLHttpRequest() as unknown as XhrLike,
    formData: (file) => {
      const data = new FormData();
      data.append("file", file as File);
      return data;
    },
    language: getLanguage,
  };
}

/** The files being attached to the next message of one conversation. */
export function useUploads(conversationId: string): Uploads {
  const [uploads, dispatch] = useReducer(uploadsReducer, []);
  const limits = useApp((s) => s.limits);
  const aborts = useRef(new Map<string, () => void>());
  const current = useRef(uploads);
  current.current = uploads;

  // Leaving the conversation (or unmounting) stops what is still uploading.
  useEffect(() => {
    const running = aborts.current;
    return () => {
      for (const abort of running.values()) abort();
      running.clear();
      dispatch({ type: "clear" });
    };
  }, [conversationId]);

  const add = useCallback(
    (files: File[]) => {
      let seen = current.current;
      for (const file of files) {
        const id = `upload-${++localCounter}`;
        const base: Upload = { id, name: file.name, size: file.size, type: file.type, status: "uploading", loaded: 0, attachment: null, error: null };
        const refused = refusal(file, seen, limits);
        if (refused) {
          // Shown with its reason; nothing is sent.
          const upload: Upload = { ...base, status: "failed", error: refused };
          seen = [...seen, upload];
          dispatch({ type: "add", upload });
          continue;
        }
        seen = [...seen, base];
        dispatch({ type: "add", upload: base });
        const abort = startUpload(browserTransport(), conversationId, file, {
          progress: (loaded) => dispatch({ type: "progress", id, loaded }),
          done: (attachment) => {
            aborts.current.delete(id);
            dispatch({ type: "done", id, attachment });
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
    },
    [conversationId, limits],
  );

  const cancel = useCallback((id: string) => aborts.current.get(id)?.(), []);
  const remove = useCallback((id: string) => {
    aborts.current.get(id)?.();
    dispatch({ type: "remove", id });
  }, []);
  const clear = useCallback(() => {
    for (const abort of aborts.current.values()) abort();
    dispatch({ type: "clear" });
  }, []);

  return useMemo(
    () => ({ uploads: uploads as Upload[], add, cancel, remove, clear, readyIds: readyIds(uploads), busy: isBusy(uploads) }),
    [uploads, add, cancel, remove, clear],
  );
}
