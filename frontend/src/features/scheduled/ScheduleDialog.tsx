import { useState, type FormEvent } from "react";
import { appStore, useApp } from "../../app/store.js";
import { useT } from "../../i18n/index.js";
import { Dialog } from "../../ui/Dialog.js";
import { errorMessage } from "../../ui/errors.js";
import { scheduledMessages } from "./messages.js";
import { checkSchedule, userZone, wallClock } from "./schedule.js";
import type { ScheduledMessage } from "./ScheduledList.js";
import "./scheduled.css";

/** "Send later": a date and time in the user's zone → `POST .../scheduled`. */
export function ScheduleDialog({
  conversationId,
  body,
  onScheduled,
  onClose,
}: {
  conversationId: string;
  body: string;
  onScheduled: (scheduled: ScheduledMessage) => void;
  onClose: () => void;
}) {
  const t = useT(scheduledMessages);
  const me = useApp((s) => s.me);
  const zone = userZone(me?.time_zone);
  // An hour from now, on the minute, as the starting suggestion.
  const [initial] = useState(() => wallClock(Math.ceil((Date.now() + 3_600_000) / 60_000) * 60_000, zone).split(" "));
  const [date, setDate] = useState(initial[0]!);
  const [time, setTime] = useState(initial[1]!);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [clientId] = useState(() => crypto.randomUUID());
  const today = wallClock(Date.now(), zone).split(" ")[0]!;
  const lastDay = wallClock(Date.now() + 364 * 86_400_000, zone).split(" ")[0]!;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!body.trim()) return setError(t("emptyBody"));
    const instant = checkSchedule(date, time, zone, Date.now());
    if (typeof instant === "string") return setError(t(instant));
    setBusy(true);
    setError(null);
    try {
      const { data } = await appStore().client.request<ScheduledMessage>("POST", `/api/v1/conversations/${encodeURIComponent(conversationId)}/scheduled`, {
        client_id: clientId,
        body,
        send_at: new Date(instant).toISOString(),
      });
      onScheduled(data);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("title")} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} data-testid="schedule-dialog" noValidate>
        <p className="schedule-preview">
          <span className="muted">{t("preview")}: </span>
          {body}
        </p>
        <div className="schedule-when">
          <label>
            {t("date")}
            <input type="date" value={date} min={today} max={lastDay} onChange={(e) => setDate(e.target.value)} required data-testid="schedule-date" />
          </label>
          <label>
            {t("time")}
            <input type="time" value={time} onChange={(e) => setTime(e.target.value)} required data-testid="schedule-time" />
          </label>
        </div>
        <p className="muted">{t("zone", { zone })}</p>
        {error && (
          <p className="error" role="alert" data-testid="schedule-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy} data-testid="schedule-submit">
            {t("schedule")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
