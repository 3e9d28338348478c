import { useMemo, useState } from "react";
import { LANGUAGES, setLanguage, useLanguage, useT, type Language } from "../../i18n/index.js";
import { formatDateTime, setTimeZone } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import type { Me } from "../../app/model.js";
import { errorMessage } from "../../ui/errors.js";
import { keepMe } from "./profile.js";
import { settingsMessages } from "./messages.js";

const NAMES: Record<Language, string> = { ru: "Русский", en: "English" };

function zones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return all.includes(current) || !current ? all : [current, ...all];
}

/** The interface language (kept on this device and in the profile) and the time zone. */
export function LanguageSection() {
  const t = useT(settingsMessages);
  const language = useLanguage();
  const me = useApp((s) => s.me);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zone = me?.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const options = useMemo(() => zones(zone), [zone]);

  async function patch(changes: Partial<Pick<Me, "language" | "time_zone">>) {
    setBusy(true);
    setError(null);
    try {
      const { data } = await appStore().client.request<Me>("PATCH", "/api/v1/me", changes);
      if (changes.time_zone) setTimeZone(data.time_zone);
      keepMe(data);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  function choose(code: Language) {
    setLanguage(code);
    appStore().client.setLanguage(code);
    void patch({ language: code });
  }

  return (
    <div className="settings-form">
      <fieldset className="plain">
        <legend>{t("language")}</legend>
        <div className="row start" data-testid="language-choice">
          {LANGUAGES.map((code) => (
            <button key={code} type="button" lang={code} className={code === language ? "chip active" : "chip"} aria-pressed={code === language} onClick={() => choose(code)}>
              {NAMES[code]}
            </button>
          ))}
        </div>
        <p className="muted small-print">{t("languageNote")}</p>
      </fieldset>
      <label>
        {t("timeZone")}
        <select name="time_zone" value={zone} disabled={busy} onChange={(e) => void patch({ time_zone: e.target.value })} aria-describedby="zone-hint">
          {options.map((name) => (
            <option key={name} value={name}>
              {name.replace(/_/g, " ")}
            </option>
          ))}
        </select>
      </label>
      <p id="zone-hint" className="muted small-print">
        {t("timeZoneNote")} <span data-testid="time-now">{t("timeNow", { time: formatDateTime(new Date().toISOString()) })}</span>
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
