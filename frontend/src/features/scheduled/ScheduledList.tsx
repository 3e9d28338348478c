import { useCallback, useEffect, useState } from "react";
import { appStore } from "../../app/store.js";
import type { Page } from "../../app/model.js";
import type { ScheduledMessage } from "../../api/index.js";
import { useT } from "../../i18n/index.js";
import { formatDateTime } from "../../i18n/format.js";
import { errorMessage } from "../../ui/errors.js";
import { scheduledMessages } from "./messages.js";
import "./scheduled.css";

export type { ScheduledMessage } from "../../api/index.js";

/** The caller's pending scheduled messages in a conversation, soonest first, with cancel. */
export function ScheduledList({ conversationId, refreshKey = 0 }: { conversationId: string; refreshKey?: number }) {
  const t = useT(scheduledMessages);
  const [items, setItems] = useState<ScheduledMessage[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (cursor: string | null) => {
      const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      try {
        const { data } = await appStore().client.request<Page<ScheduledMessage>>("GET", `/api/v1/conversations/${encodeURIComponent(conversationId)}/scheduled${query}`);
        setItems((current) => [...(cursor ? (current ?? []) : []), ...data.results]);
        setNext(data.next ? new URL(data.next, window.location.origin).searchParams.get("cursor") : null);
        setError(null);
      } catch (e) {
        setError(errorMessage(e));
      }
    },
    [conversationId],
  );

  useEffect(() => {
    void load(null);
  }, [load, refreshKey]);

  async function cancel(id: string) {
    try {
      await appStore().client.request("DELETE", `/api/v1/scheduled-messages/${encodeURIComponent(id)}`);
      setItems((current) => (current ?? []).map((s) => (s.id === id ? { ...s, state: "cancelled" } : s)));
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  // Sent and cancelled ones are history: the list is for what is still to come (and failures).
  const shown = (items ?? []).filter((s) => s.state === "pending" || s.state === "failed");
  return (
    <section className="scheduled-list" aria-labelledby={`scheduled-${conversationId}`} data-testid="scheduled-list">
      <h2 id={`scheduled-${conversationId}`}>{t("listTitle")}</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {items === null && !error && <p className="muted">{t("loading")}</p>}
      {items !== null && shown.length === 0 && <p className="muted">{t("none")}</p>}
      <ul>
        {shown.map((s) => (
          <li key={s.id} className="scheduled-item" data-testid="scheduled-item" data-state={s.state}>
            <div className="scheduled-main">
              <span className="scheduled-body">{s.body}</span>
              {s.state === "pending" ? (
                <time className="muted" dateTime={s.send_at}>
                  {t("sendAt", { when: formatDateTime(s.send_at) })}
                </time>
              ) : (
                <span className="error">{s.error ? t("failed", { error: s.error }) : t("failedNoReason")}</span>
              )}
            </div>
            {s.state === "pending" && (
              <button type="button" className="secondary" onClick={() => void cancel(s.id)} data-testid="scheduled-cancel">
                {t("cancelOne")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" className="secondary" onClick={() => void load(next)}>
          {t("more")}
        </button>
      )}
    </section>
  );
}
