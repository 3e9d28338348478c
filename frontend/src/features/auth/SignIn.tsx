import { useEffect, useRef, useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import type { SignInResult } from "../../realtime/index.js";
import { appStore } from "../../app/store.js";
import { LanguageSwitch } from "../../ui/LanguageSwitch.js";
import { authMessages } from "./messages.js";

type Failure = Extract<SignInResult, { ok: false }>;

/** Login and password, then (when the account has 2FA) the code. */
export function SignIn({ notice }: { notice: string | null }) {
  const t = useT(authMessages);
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOtp] = useState("");
  const [step, setStep] = useState<"password" | "otp">("password");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const otpInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (step === "otp") otpInput.current?.focus();
  }, [step]);

  function failureText(failure: Failure): string {
    switch (failure.kind) {
      case "invalid_credentials":
        return t("invalidCredentials");
      case "invalid_otp":
        return t("invalidOtp");
      case "throttled":
        return t("throttled", { seconds: failure.retryAfter ?? 60 });
      case "unavailable":
        return t("unavailable", { seconds: failure.retryAfter ?? 30 });
      case "network":
        return t("network");
      default:
        return failure.error?.message || t("error");
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!login.trim() || !password) {
      setError(t("required"));
      return;
    }
    setBusy(true);
    setError(null);
    const result = await appStore().client.signIn({ login: login.trim(), password, ...(step === "otp" ? { otp: otp.trim() } : {}) });
    setBusy(false);
    if (result.ok) return; // the app shows the shell on the state change
    if (result.kind === "otp_required") {
      setStep("otp");
      return;
    }
    if (result.kind === "invalid_otp") setOtp("");
    setError(failureText(result));
  }

  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="sign-in-title">
        <div className="auth-brand" aria-hidden="true">
          П
        </div>
        <h1 id="sign-in-title">{t("title")}</h1>
        <p className="muted">{t("subtitle")}</p>
        {notice && step === "password" && !error && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form name="sign-in" onSubmit={submit} noValidate>
          {step === "password" ? (
            <>
              <label>
                {t("login")}
                <input name="login" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} autoFocus required />
              </label>
              <label>
                {t("password")}
                <input
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  required
                />
              </label>
            </>
          ) : (
            <>
              <h2>{t("otpTitle")}</h2>
              <p className="muted">{t("otpHint")}</p>
              <label>
                {t("otp")}
                <input
                  ref={otpInput}
                  name="otp"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  value={otp}
                  maxLength={32}
                  onChange={(e) => setOtp(e.target.value)}
                  required
                />
              </label>
            </>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="row">
            {step === "otp" && (
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setStep("password");
                  setOtp("");
                  setError(null);
                }}
              >
                {t("back")}
              </button>
            )}
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t("submitting") : step === "otp" ? t("otpSubmit") : t("submit")}
            </button>
          </div>
        </form>
        <LanguageSwitch />
      </main>
    </div>
  );
}
