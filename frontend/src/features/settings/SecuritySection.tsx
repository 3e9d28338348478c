import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import type { Me } from "../../app/model.js";
import type { Schemas } from "../../api/index.js";
import { ApiError } from "../../realtime/index.js";
import { errorMessage } from "../../ui/errors.js";
import { Enrolment } from "../auth/Enrolment.js";
import { RecoveryCodes } from "../auth/RecoveryCodes.js";
import { keepMe } from "./profile.js";
import { retrySeconds, settingsMessages, type SettingsT } from "./messages.js";

type TwoFactorStatus = Schemas["TwoFactorStatus"];

type Mode = { name: "status" } | { name: "enrol" } | { name: "codes"; codes: string[] };

/** Two-factor sign-in: status, enrolment, new recovery codes, turning it off. */
export function SecuritySection() {
  const t = useT(settingsMessages);
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [mode, setMode] = useState<Mode>({ name: "status" });
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const { data } = await appStore().client.request<TwoFactorStatus>("GET", "/api/v1/auth/2fa");
      setStatus(data);
      // `me` carries two_factor_enabled too (the app's enrolment gate reads it).
      const me = await appStore().client.request<Me>("GET", "/api/v1/me");
      keepMe(me.data);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (mode.name === "enrol") {
    return (
      <div className="settings-enrol" data-testid="settings-enrol">
        <Enrolment
          required={status?.required ?? false}
          onCancel={() => setMode({ name: "status" })}
          onDone={() => {
            setMode({ name: "status" });
            void reload();
          }}
        />
      </div>
    );
  }
  if (mode.name === "codes") {
    return <RecoveryCodes codes={mode.codes} onDone={() => (setMode({ name: "status" }), void reload())} />;
  }
  return (
    <div className="settings-form" data-testid="two-factor" data-enabled={status ? String(status.enabled) : undefined}>
      <h3 className="field-title">{t("twoFactor")}</h3>
      {status && (
        <>
          <p>{status.enabled ? t("twoFactorOn") : t("twoFactorOff")}</p>
          {status.required && <p className="notice">{t("twoFactorRequired")}</p>}
          {!status.enabled && (
            <button type="button" className="primary" onClick={() => (setNotice(null), setMode({ name: "enrol" }))}>
              {t("enable")}
            </button>
          )}
          {status.enabled && (
            <>
              <p className="muted">{t("recoveryLeft", { count: status.recovery_codes_left })}</p>
              <CodeForm
                name="recovery"
                title={t("regenerate")}
                hint={t("regenerateHint")}
                submit={t("regenerate")}
                onCode={async (code) => {
                  const { data } = await appStore().client.request<Schemas["RecoveryCodes"]>("POST", "/api/v1/auth/2fa/recovery-codes", { code });
                  setMode({ name: "codes", codes: data.recovery_codes });
                }}
              />
              <CodeForm
                name="disable"
                title={t("disable")}
                hint={t("disableHint")}
                submit={t("disable")}
                danger
                onCode={async (code) => {
                  await appStore().client.request("POST", "/api/v1/auth/2fa/disable", { code });
                  setNotice(t("disabled"));
                  await reload();
                }}
              />
            </>
          )}
        </>
      )}
      {notice && (
        <p className="ok" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function CodeForm({ name, title, hint, submit, danger = false, onCode }: { name: string; title: string; hint: string; submit: string; danger?: boolean; onCode: (code: string) => Promise<void> }) {
  const t = useT(settingsMessages);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function send(event: FormEvent) {
    event.preventDefault();
    const value = code.trim();
    if (!value) return setError(t("codeRequired"));
    setBusy(true);
    setError(null);
    try {
      await onCode(value);
      setCode("");
    } catch (e) {
      setError(codeError(e, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form name={name} className="code-form" onSubmit={send} noValidate>
      <h4 className="field-title">{title}</h4>
      <p className="muted small-print" id={`${name}-hint`}>
        {hint}
      </p>
      <div className="code-row">
        <label>
          {t("code")}
          <input name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={32} value={code} onChange={(e) => setCode(e.target.value)} aria-describedby={`${name}-hint`} />
        </label>
        <button type="submit" className={danger ? "danger" : "secondary"} disabled={busy}>
          {submit}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function codeError(e: unknown, t: SettingsT): string {
  if (e instanceof ApiError && e.status === 429) return t("throttled", { seconds: retrySeconds(e.retryAfter) });
  // invalid_otp, two_factor_required_by_agency, …: the server's own text, in the user's language
  return errorMessage(e);
}
