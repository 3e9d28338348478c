import { useEffect, useState } from "react";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import { errorMessage } from "../../ui/errors.js";
import { BrowserPermission } from "../notifications/NotificationsScreen.js";
import { Status } from "./ProfileSection.js";
import { settingsMessages } from "./messages.js";

/** The e-mail digest (`/api/v1/notifications/settings`) and the browser's permission. */
export function NotificationSettings() {
  const t = useT(settingsMessages);
  const [digest, setDigest] = useState<boolean | null>(null);
  const [status, setStatus] = useState<{ error: string | null; saved: boolean }>({ error: null, saved: false });

  useEffect(() => {
    appStore()
      .client.request<{ email_digest: boolean }>("GET", "/api/v1/notifications/settings")
      .then(({ data }) => setDigest(data.email_digest))
      .catch((e: unknown) => setStatus({ error: errorMessage(e), saved: false }));
  }, []);

  async function change(value: boolean) {
    setDigest(value);
    setStatus({ error: null, saved: false });
    try {
      const { data } = await appStore().client.request<{ email_digest: boolean }>("PATCH", "/api/v1/notifications/settings", { email_digest: value });
      setDigest(data.email_digest);
      setStatus({ error: null, saved: true });
    } catch (e) {
      setDigest(!value);
      setStatus({ error: errorMessage(e), saved: false });
    }
  }

  return (
    <div className="settings-form">
      <label className="checkbox">
        <input type="checkbox" name="email_digest" checked={digest ?? false} disabled={digest === null} onChange={(e) => void change(e.target.checked)} aria-describedby="digest-hint" />
        {t("emailDigest")}
      </label>
      <p id="digest-hint" className="muted small-print">
        {t("emailDigestHint")}
      </p>
      <Status error={status.error} saved={status.saved} />
      <BrowserPermission level={3} />
    </div>
  );
}
