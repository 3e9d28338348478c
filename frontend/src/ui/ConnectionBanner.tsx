import { useEffect, useState } from "react";
import { useT } from "../i18n/index.js";
import { appStore, useApp } from "../app/store.js";
import { common } from "./messages.js";

/** Shown while the socket is not online: connecting, waiting to retry, or offline. */
export function ConnectionBanner() {
  const t = useT(common);
  const connection = useApp((s) => s.connection);
  const [online, setOnline] = useState(navigator.onLine);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);

  const waiting = connection.status === "reconnecting";
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [waiting]);

  if (!online) {
    return (
      <div className="banner offline" role="status" data-testid="connection" data-state="offline">
        {t("offline")}
      </div>
    );
  }
  if (connection.status === "connecting") {
    return (
      <div className="banner" role="status" data-testid="connection" data-state="connecting">
        {t("connecting")}
      </div>
    );
  }
  if (connection.status === "reconnecting") {
    const seconds = Math.max(0, Math.ceil((connection.nextAttemptAt - now) / 1000));
    return (
      <div className="banner offline" role="status" data-testid="connection" data-state="reconnecting">
        {t("reconnecting", { seconds })}{" "}
        <button type="button" className="link" onClick={() => appStore().client.networkAvailable()}>
          {t("reconnectNow")}
        </button>
      </div>
    );
  }
  return null;
}
