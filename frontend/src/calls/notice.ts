/**
 * How calls read: the system message a finished call leaves in its conversation
 * (`system: {event: "call", call_id, call_kind, call_state, duration_seconds}`, written by
 * the caller: conferencing/events.py `system_record`), durations, and how a call ended.
 * Pure: the screens and the sidebar's preview translate the keys.
 */
import type { Message } from "../app/model.js";
import type { Params, Translate } from "../i18n/index.js";
import type { CallKind, CallState } from "./api.js";
import type { CallsKey } from "./messages.js";

export interface CallRecord {
  callId: string;
  kind: CallKind;
  state: CallState;
  durationSeconds: number | null;
  callerId: string | null;
}

/** The call a system message records, or null for any other message. */
export function callRecord(message: Pick<Message, "kind" | "system" | "author_id">): CallRecord | null {
  const data = (message.system ?? {}) as Record<string, unknown>;
  if (message.kind !== "system" || data["event"] !== "call") return null;
  const duration = data["duration_seconds"];
  return {
    callId: String(data["call_id"] ?? ""),
    kind: data["call_kind"] === "video" ? "video" : "audio",
    state: String(data["call_state"] ?? "") as CallState,
    durationSeconds: typeof duration === "number" ? duration : null,
    callerId: message.author_id ?? null,
  };
}

/** 0:07, 12:34, 1:02:03. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The text of a call's system message as the reader `meId` sees it: "Пропущенный звонок"
 * for the callee of an unanswered call, "Звонок, 12:34" for one that was talked through. */
export function noticeKey(record: CallRecord, meId: string | null): { key: CallsKey; params: Params } {
  const mine = record.callerId !== null && record.callerId === meId;
  const video = record.kind === "video";
  switch (record.state) {
    case "ended":
      if (record.durationSeconds !== null) return { key: video ? "noticeVideo" : "noticeCall", params: { duration: formatDuration(record.durationSeconds) } };
      return { key: "noticeFailed", params: {} };
    case "failed":
      return { key: "noticeFailed", params: {} };
    case "declined":
      return { key: mine ? "noticeDeclined" : "noticeDeclinedByMe", params: {} };
    case "missed":
    case "cancelled":
    case "busy":
      if (!mine) return { key: video ? "noticeMissedVideo" : "noticeMissed", params: {} };
      return { key: record.state === "missed" ? "noticeNoAnswer" : record.state === "cancelled" ? "noticeCancelled" : "noticeBusy", params: {} };
    default:
      return { key: video ? "noticeVideo" : "noticeCall", params: { duration: "—" } };
  }
}

export function noticeText(record: CallRecord, meId: string | null, t: Translate<CallsKey>): string {
  const { key, params } = noticeKey(record, meId);
  return t(key, params);
}

/** How the call screen words a call that is over. */
export function endKey(state: CallState): CallsKey {
  switch (state) {
    case "declined":
      return "endDeclined";
    case "cancelled":
      return "endCancelled";
    case "missed":
      return "endMissed";
    case "busy":
      return "endBusy";
    case "failed":
      return "endFailed";
    default:
      return "endEnded";
  }
}
