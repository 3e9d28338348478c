/** `/calls`: my calls, newest first (`GET /calls`, cursor pages): incoming or outgoing,
 * missed ones marked, how long each lasted, and "call back". */
import { useCallback, useEffect, useState } from "react";
import { appStore, useApp } from "../app/store.js";
import { formatDateTime, formatListTime } from "../i18n/format.js";
import { useT } from "../i18n/index.js";
import { Avatar } from "../ui/Avatar.js";
import { errorMessage } from "../ui/errors.js";
import { callsApi, type CallHistoryItem } from "./api.js";
import { displayName, useUser } from "./hooks.js";
import { CallIcon } from "./icons.js";
import { callsMessages, type CallsKey } from "./messages.js";
import { formatDuration } from "./notice.js";
import { callSession, useCallSession } from "./session.js";
import { otherParty } from "./state.js";
import "./calls.css";

const STATE_KEYS: Partial<Record<CallHistoryItem["state"], CallsKey>> = {
  declined: "stateDeclined",
  cancelled: "stateCancelled",
  missed: "stateMissed",
  busy: "stateBusy",
  failed: "stateFailed",
  ringing: "stateActive",
  accepted: "stateActive",
};

export function CallHistoryScreen() {
  const t = useT(callsMessages);
  const [items, setItems] = useState<CallHistoryItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const changes = useApp((s) => s.calls?.changes ?? 0);

  const load = useCallback(async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await callsApi.history(cursor);
      setItems((current) => (cursor ? [...current, ...page.results.filter((c) => !current.some((k) => k.id === c.id))] : page.results));
      setNext(page.next);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setLoading(false);
    }
  }, []);

  // The first page again whenever a call event arrives (a new call, one that ended).
  useEffect(() => {
    void load(null);
  }, [load, changes]);

  return (
    <div className="page calls-page" data-testid="call-history">
      <header className="page-header">
        <h1>{t("historyTitle")}</h1>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {loading && items.length === 0 && (
        <p className="muted" role="status">
          {t("historyLoading")}
        </p>
      )}
      {!loading && !error && items.length === 0 && <p className="empty-note">{t("historyEmpty")}</p>}
      <ul className="call-history" aria-busy={loading}>
        {items.map((item) => (
          <HistoryRow key={item.id} item={item} />
        ))}
      </ul>
      {next && (
        <button type="button" className="secondary more" disabled={loading} onClick={() => void load(next)}>
          {t("historyMore")}
        </button>
      )}
    </div>
  );
}

function HistoryRow({ item }: { item: CallHistoryItem }) {
  const t = useT(callsMessages);
  const meId = useApp((s) => s.me?.id ?? null);
  const peerId = otherParty(item, meId);
  const peer = useUser(peerId);
  const name = displayName(peer, t("unknownUser"));
  const view = useCallSession(appStore());
  const busy = view.phase !== "idle" && view.phase !== "ended";
  const direction = item.missed ? t("missed") : item.direction === "incoming" ? t("incoming") : t("outgoingCall");
  const stateKey = STATE_KEYS[item.state];
  // A missed call says so already; others say how long they lasted, or how they ended.
  const outcome = item.duration_seconds !== null ? formatDuration(item.duration_seconds) : stateKey && !item.missed ? t(stateKey) : "";
  return (
    <li className={item.missed ? "call-history-item missed" : "call-history-item"} data-testid="call-history-item" data-direction={item.direction} data-missed={item.missed} data-state={item.state}>
      <Avatar user={peer} id={peerId} size={40} />
      <div className="call-history-main">
        <span className="call-history-name">{name}</span>
        <span className="call-history-details">
          <CallIcon name={item.direction === "incoming" ? "incoming" : "outgoing"} size={14} />
          <span className="call-direction">{direction}</span>
          <span aria-hidden="true">·</span>
          <span>{item.kind === "video" ? t("kindVideo") : t("kindAudio")}</span>
          {outcome && (
            <>
              <span aria-hidden="true">·</span>
              <span className="call-outcome" data-testid="call-history-outcome">
                {outcome}
              </span>
            </>
          )}
        </span>
      </div>
      <time dateTime={item.created_at} title={formatDateTime(item.created_at)}>
        {formatListTime(item.created_at)}
      </time>
      <button
        type="button"
        className="icon"
        disabled={busy}
        aria-label={t("callBackTo", { name })}
        title={t("callBackTo", { name })}
        onClick={() => void callSession(appStore()).placeCall(item.kind, { calleeId: peerId }, peerId)}
        data-testid="call-history-back"
      >
        <CallIcon name={item.kind === "video" ? "video" : "phone"} />
      </button>
    </li>
  );
}
