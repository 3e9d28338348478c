import { useEffect, useId, useState } from "react";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import type { Page, User } from "../../app/model.js";
import { Avatar } from "../../ui/Avatar.js";
import { errorMessage } from "../../ui/errors.js";
import { membersMessages } from "./messages.js";

/** Search the directory (`GET /api/v1/users?q=`) and pick people. `exclude`: ids not offered. */
export function UserSearch({ label, onPick, exclude = [], actionLabel, autoFocus = false, testId = "user-search" }: { label: string; onPick: (user: User) => void; exclude?: readonly string[]; actionLabel?: string; autoFocus?: boolean; testId?: string }) {
  const t = useT(membersMessages);
  const id = useId();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults(null);
      return;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      appStore()
        .client.request<Page<User>>("GET", `/api/v1/users?q=${encodeURIComponent(q)}&limit=20`)
        .then(({ data }) => {
          if (cancelled) return;
          setError(null);
          setResults(data.results);
          appStore().update((s) => ({ ...s, users: { ...Object.fromEntries(data.results.map((u) => [u.id, u])), ...s.users } }));
        })
        .catch((e) => !cancelled && setError(errorMessage(e)));
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

  const me = appStore().getState().me?.id;
  const shown = (results ?? []).filter((u) => u.id !== me && !exclude.includes(u.id));
  return (
    <div className="user-search" data-testid={testId}>
      <label htmlFor={id}>
        {label}
        <input id={id} type="search" value={query} autoComplete="off" autoFocus={autoFocus} placeholder={t("searchPeoplePlaceholder")} onChange={(e) => setQuery(e.target.value)} data-testid={`${testId}-input`} />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      {results !== null && shown.length === 0 && !error && <p className="muted" role="status">{t("nobodyFound")}</p>}
      {shown.length > 0 && (
        <ul className="user-results">
          {shown.map((user) => (
            <li key={user.id}>
              <button type="button" className="user-result" onClick={() => {
                  onPick(user);
                  setQuery("");
                  document.getElementById(id)?.focus();
                }} data-testid="user-result" data-login={user.login}>
                <Avatar user={user} size={32} />
                <span className="user-result-text">
                  <span className="user-result-name">{user.full_name || user.login}</span>
                  <span className="muted">{[user.position, user.department?.name ?? user.agency?.name].filter(Boolean).join(" · ")}</span>
                </span>
                {actionLabel && <span className="user-result-action" aria-hidden="true">{actionLabel}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
