import { useState, type FormEvent } from "react";
import { navigate } from "../app/router.js";
import type { User } from "../app/model.js";
import { useT } from "../i18n/index.js";
import { formatDateTime } from "../i18n/format.js";
import { errorMessage } from "../ui/errors.js";
import { UserSearch } from "../features/members/UserPicker.js";
import { useLoad } from "../documents/hooks.js";
import { conferencesApi, type Conference } from "./api.js";
import { useConferenceChanges } from "./hooks.js";
import { conferenceMessages } from "./messages.js";
import { conferencePhase, scheduleInput, type ScheduleProblem } from "./state.js";
import "./conferences.css";

/** My conferences (organised, invited, in my conversations), soonest first, and scheduling one. */
export function ConferencesScreen() {
  const t = useT(conferenceMessages);
  const changes = useConferenceChanges("conferences");
  const list = useLoad(() => conferencesApi.list(), [changes]);
  const [scheduling, setScheduling] = useState(false);
  return (
    <div className="conferences-screen" data-testid="conferences-screen">
      <header className="conferences-header">
        <h1>{t("title")}</h1>
        {!scheduling && (
          <button type="button" className="primary" data-testid="schedule-conference" onClick={() => setScheduling(true)}>
            {t("schedule")}
          </button>
        )}
      </header>
      {scheduling && (
        <ScheduleForm
          onDone={(created) => {
            setScheduling(false);
            if (created) navigate(`/conferences/${created.id}`);
          }}
        />
      )}
      {list.error && <p className="error" role="alert">{list.error}</p>}
      {list.loading && !list.data && <p role="status">{t("loading")}</p>}
      {list.data && list.data.results.length === 0 && <p className="empty">{t("empty")}</p>}
      <ul className="conference-list" data-testid="conference-list">
        {list.data?.results.map((c) => <ConferenceItem key={c.id} conference={c} />)}
      </ul>
    </div>
  );
}

function ConferenceItem({ conference }: { conference: Conference }) {
  const t = useT(conferenceMessages);
  const phase = conferencePhase(conference, Date.now());
  return (
    <li className={`conference-item conference-${phase}`} data-testid="conference-item">
      <a href={`/conferences/${conference.id}`} onClick={(e) => {
        e.preventDefault();
        navigate(`/conferences/${conference.id}`);
      }}>
        {conference.title}
      </a>
      <span>{t("startsAt", { time: formatDateTime(conference.starts_at) })}</span>
      <span className="conference-badge">{t(phase)}</span>
    </li>
  );
}

const PROBLEM_TEXT = { title: "problemTitle", start: "problemStart", duration: "problemDuration" } as const satisfies Record<ScheduleProblem, string>;

function ScheduleForm({ onDone }: { onDone: (created: Conference | null) => void }) {
  const t = useT(conferenceMessages);
  const [title, setTitle] = useState("");
  const [start, setStart] = useState("");
  const [duration, setDuration] = useState("60");
  const [invitees, setInvitees] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = scheduleInput({ title, start, duration, inviteeIds: invitees.map((u) => u.id) }, new Date());
    if (typeof input === "string") return setError(t(PROBLEM_TEXT[input]));
    setBusy(true);
    setError(null);
    try {
      onDone(await conferencesApi.create(input));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="schedule-form" data-testid="schedule-form" onSubmit={(e) => void submit(e)} aria-label={t("scheduleTitle")}>
      <h2>{t("scheduleTitle")}</h2>
      <label>
        {t("fieldTitle")}
        <input value={title} maxLength={200} required data-testid="schedule-title" onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t("fieldStart")}
        <input type="datetime-local" value={start} data-testid="schedule-start" onChange={(e) => setStart(e.target.value)} />
      </label>
      <label>
        {t("fieldDuration")}
        <input type="number" min={1} max={1440} value={duration} data-testid="schedule-duration" onChange={(e) => setDuration(e.target.value)} />
      </label>
      <fieldset>
        <legend>{t("fieldInvitees")}</legend>
        <ul className="invitees">
          {invitees.map((u) => (
            <li key={u.id}>
              {u.full_name || u.login}
              <button type="button" aria-label={t("removeInvitee", { name: u.full_name || u.login })} onClick={() => setInvitees((list) => list.filter((x) => x.id !== u.id))}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <UserSearch label={t("fieldInvitees")} actionLabel={t("invitePick")} exclude={invitees.map((u) => u.id)} testId="schedule-invitees" onPick={(u) => setInvitees((list) => [...list, u])} />
      </fieldset>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="schedule-submit">
          {t("create")}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
