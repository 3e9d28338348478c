import { useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import { ApiError } from "../../realtime/index.js";
import { errorMessage } from "../../ui/errors.js";
import { retrySeconds, settingsMessages, type SettingsT } from "./messages.js";

/** `POST /api/v1/me/password`: every other session ends (docs/api.md). */
export function PasswordSection() {
  const t = useT(settingsMessages);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; lines: string[] } | null>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (!current || !next || !repeat) return setError({ text: t("passwordRequired"), lines: [] });
    if (next !== repeat) return setError({ text: t("passwordMismatch"), lines: [] });
    setBusy(true);
    setError(null);
    try {
      await appStore().client.request("POST", "/api/v1/me/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
    } catch (e) {
      setError(passwordError(e, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form name="password" className="settings-form" onSubmit={submit} noValidate>
      <p className="notice">{t("passwordNote")}</p>
      <label>
        {t("currentPassword")}
        <input type="password" name="current_password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <label>
        {t("newPassword")}
        <input type="password" name="new_password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </label>
      <label>
        {t("repeatPassword")}
        <input type="password" name="repeat_password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
      </label>
      {error && (
        <div className="error" role="alert">
          <p>{error.text}</p>
          {error.lines.length > 0 && (
            <ul>
              {error.lines.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {done && (
        <p className="ok" role="status">
          {t("passwordChanged")}
        </p>
      )}
      <div className="row start">
        <button type="submit" className="primary" disabled={busy}>
          {t("changePassword")}
        </button>
      </div>
    </form>
  );
}

function passwordError(e: unknown, t: SettingsT): { text: string; lines: string[] } {
  if (e instanceof ApiError) {
    if (e.status === 429) return { text: t("throttled", { seconds: retrySeconds(e.retryAfter) }), lines: [] };
    if (e.code === "invalid_credentials") return { text: t("passwordWrong"), lines: [] };
    if (e.code === "invalid_password") {
      const messages = e.details["messages"];
      return { text: t("passwordRefused"), lines: Array.isArray(messages) ? messages.map(String) : [e.message] };
    }
  }
  return { text: errorMessage(e), lines: [] };
}
