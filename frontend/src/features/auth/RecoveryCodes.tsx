import { useState } from "react";
import { useT } from "../../i18n/index.js";
import { authMessages } from "./messages.js";

/** Recovery codes, shown once after enrolment or regeneration. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const t = useT(authMessages);
  const [copied, setCopied] = useState(false);
  return (
    <section aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t("recoveryTitle")}</h2>
      <p className="muted">{t("recoveryHint")}</p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void navigator.clipboard?.writeText(codes.join("\n")).then(() => setCopied(true));
          }}
        >
          {copied ? t("recoveryCopied") : t("recoveryCopy")}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t("recoveryDone")}
        </button>
      </div>
    </section>
  );
}
