import { useEffect, useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import { errorMessage } from "../../ui/errors.js";
import { authMessages } from "./messages.js";
import { RecoveryCodes } from "./RecoveryCodes.js";

interface Enrol {
  secret: string;
  otpauth_uri: string;
  qr_svg_data_uri: string;
}

/**
 * Two-factor enrolment: a QR code (drawn by the server as an SVG data URI, nothing is
 * fetched from elsewhere) and the key, then the code, then the recovery codes once.
 * Used when the agency requires 2FA before anything else works, and from settings.
 */
export function Enrolment({ onDone, onCancel, required = true }: { onDone: () => void; onCancel?: () => void; required?: boolean }) {
  const t = useT(authMessages);
  const client = appStore().client;
  const [enrol, setEnrol] = useState<Enrol | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);

  useEffect(() => {
    let live = true;
    client
      .request<Enrol>("POST", "/api/v1/auth/2fa/enrol", {})
      .then(({ data }) => live && setEnrol(data))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [client]);

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (busy || !code.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const { data } = await client.request<{ recovery_codes: string[] }>("POST", "/api/v1/auth/2fa/confirm", { code: code.trim() });
      setCodes(data.recovery_codes);
    } catch (e) {
      setError(errorMessage(e));
      setCode("");
    } finally {
      setBusy(false);
    }
  }

  if (codes) return <RecoveryCodes codes={codes} onDone={onDone} />;
  return (
    <section className="enrol" aria-labelledby="enrol-title">
      <h1 id="enrol-title">{t("enrolTitle")}</h1>
      <p className="muted">{t(required ? "enrolHint" : "enrolHintOwn")}</p>
      {enrol && (
        <div className="enrol-qr">
          <img src={enrol.qr_svg_data_uri} alt={t("enrolQrAlt")} width={200} height={200} />
          <div>
            <div className="muted">{t("enrolSecret")}</div>
            <code className="secret" data-testid="totp-secret">
              {enrol.secret}
            </code>
          </div>
        </div>
      )}
      <form name="enrol" onSubmit={confirm}>
        <label>
          {t("enrolCode")}
          <input name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          {onCancel && (
            <button type="button" className="secondary" onClick={onCancel}>
              {t("back")}
            </button>
          )}
          <button type="submit" className="primary" disabled={busy || !enrol}>
            {t("enrolConfirm")}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The agency requires 2FA and this user has none: nothing else works until they enrol. */
export function EnrolmentRequired({ onDone }: { onDone: () => void }) {
  const t = useT(authMessages);
  return (
    <div className="auth-page">
      <main className="auth-card wide">
        <Enrolment onDone={onDone} />
        <button type="button" className="link" onClick={() => void appStore().client.signOut()}>
          {t("signOut")}
        </button>
      </main>
    </div>
  );
}
