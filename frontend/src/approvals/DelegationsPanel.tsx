import { useId, useState } from "react";
import { useT } from "../i18n/index.js";
import { formatCalendarDate as formatDate } from "../i18n/format.js";
import { useApp } from "../app/store.js";
import type { User } from "../app/model.js";
import { errorMessage } from "../ui/errors.js";
import { UserSearch } from "../features/members/UserPicker.js";
import { useLoad } from "../documents/hooks.js";
import { approvalsApi } from "./api.js";
import { approvalsMessages } from "./messages.js";

/** The local date `days` from today as `YYYY-MM-DD` (what `<input type="date">` holds). */
function isoDay(days = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Deputies (delegation while away): name one for a period — they decide my tasks meanwhile
 * — and see whom I stand in for. The principal ends a delegation. */
export function DelegationsPanel() {
  const t = useT(approvalsMessages);
  const me = useApp((s) => s.me?.id ?? null);
  const delegations = useLoad(() => approvalsApi.delegations(), []);
  const [deputy, setDeputy] = useState<User | null>(null);
  const [from, setFrom] = useState(() => isoDay());
  const [to, setTo] = useState(() => isoDay(7));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { from: useId(), to: useId() };
  const list = delegations.data?.results ?? [];
  const mine = list.filter((d) => d.principal.id === me);
  const forOthers = list.filter((d) => d.deputy.id === me);

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      delegations.reload();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="approval-delegations" aria-labelledby="delegations-title" data-testid="delegations">
      <h2 id="delegations-title">{t("delegationsTitle")}</h2>
      {delegations.error && <p className="error" role="alert">{delegations.error}</p>}
      {delegations.data && mine.length === 0 && <p className="empty-note">{t("delegationsEmpty")}</p>}
      <ul className="delegation-list">
        {mine.map((d) => (
          <li key={d.id} data-testid="delegation">
            <strong>{d.deputy.name}</strong> <span className="muted">{t("delegationPeriod", { from: formatDate(d.from_date), to: formatDate(d.to_date) })}</span>
            <button type="button" className="link danger-link" disabled={busy} onClick={() => void act(() => approvalsApi.deleteDelegation(d.id))} aria-label={t("delegationEnd", { name: d.deputy.name })} data-testid="delegation-end">
              {t("delegationEndShort")}
            </button>
          </li>
        ))}
      </ul>
      {forOthers.length > 0 && (
        <>
          <h3>{t("standingInFor")}</h3>
          <ul className="delegation-list">
            {forOthers.map((d) => (
              <li key={d.id} data-testid="standing-in">
                <strong>{d.principal.name}</strong> <span className="muted">{t("delegationPeriod", { from: formatDate(d.from_date), to: formatDate(d.to_date) })}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <form
        className="delegation-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (deputy) void act(() => approvalsApi.delegate(deputy.id, from, to)).then((ok) => ok && setDeputy(null));
        }}
      >
        {deputy ? (
          <p data-testid="delegation-deputy">
            {t("deputy")}: <strong>{deputy.full_name || deputy.login}</strong>{" "}
            <button type="button" className="link" onClick={() => setDeputy(null)}>
              {t("change")}
            </button>
          </p>
        ) : (
          <UserSearch label={t("deputy")} testId="delegation-deputy-search" exclude={me ? [me] : []} onPick={setDeputy} />
        )}
        <div className="builder-fields">
          <label htmlFor={ids.from}>
            {t("from")}
            <input id={ids.from} type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="delegation-from" />
          </label>
          <label htmlFor={ids.to}>
            {t("to")}
            <input id={ids.to} type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="delegation-to" />
          </label>
        </div>
        {error && <p className="error" role="alert" data-testid="delegation-error">{error}</p>}
        <button type="submit" className="primary" disabled={busy || !deputy} data-testid="delegation-create">
          {t("delegate")}
        </button>
      </form>
    </section>
  );
}
