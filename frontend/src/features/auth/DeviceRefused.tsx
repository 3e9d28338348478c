import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import { DEVICE_REFUSAL_CODES } from "../../realtime/index.js";
import { authMessages } from "./messages.js";

const KNOWN: ReadonlySet<string> = new Set(DEVICE_REFUSAL_CODES);

/** The device policy refused this browser: say why and what to do (docs/api.md, "Handle refusals"). */
export function DeviceRefused({ reason, message }: { reason: string; message: string | null }) {
  const t = useT(authMessages);
  const client = appStore().client;
  const advice = KNOWN.has(reason) ? t(`refusal_${reason}` as Parameters<typeof t>[0]) : t("refusal_other", { reason });
  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="refused-title">
        <h1 id="refused-title">{t("refusedTitle")}</h1>
        <p role="alert" className="error">
          {advice}
        </p>
        {message && <p className="muted">{message}</p>}
        <p className="muted">{t("refusedHint")}</p>
        <div className="row">
          <button type="button" className="secondary" onClick={() => void client.signOut()}>
            {t("refusedSignOut")}
          </button>
          <button type="button" className="primary" onClick={() => client.connect()}>
            {t("refusedRetry")}
          </button>
        </div>
      </main>
    </div>
  );
}
