import { useCallback, useEffect, useState } from "react";
import { useT } from "../../i18n/index.js";
import { formatDateTime } from "../../i18n/format.js";
import { appStore } from "../../app/store.js";
import type { Page } from "../../app/model.js";
import type { Schemas, Session } from "../../api/index.js";
import { errorMessage } from "../../ui/errors.js";
import { common } from "../../ui/messages.js";
import { settingsMessages, type SettingsT } from "./messages.js";

type SessionRow = Session;

const PLATFORMS = ["android", "ios", "desktop", "web", "other"] as const;

function deviceName(session: SessionRow, t: SettingsT): string {
  const device = session.device;
  const platform = (PLATFORMS as readonly string[]).includes(device?.platform ?? "") ? t(`platform_${device!.platform as (typeof PLATFORMS)[number]}`) : null;
  const parts = [device?.model, platform, device?.os_version].filter(Boolean);
  return parts.length ? parts.join(" · ") : session.user_agent || t("unknownDevice");
}

/** `GET /api/v1/auth/sessions`: every live session, this one first; end one or all others. */
export function SessionsSection() {
  const t = useT(settingsMessages);
  const tc = useT(common);
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const rows: SessionRow[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/api/v1/auth/sessions?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const { data }: { data: Page<SessionRow> } = await appStore().client.request<Page<SessionRow>>("GET", path);
        rows.push(...data.results);
        cursor = data.next;
      } while (cursor);
      setSessions(rows.sort((a, b) => Number(b.current) - Number(a.current) || (b.last_used_at ?? b.created_at).localeCompare(a.last_used_at ?? a.created_at)));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function end(session: SessionRow) {
    setError(null);
    setNotice(null);
    if (session.current) {
      // Ending this one is signing out: the client clears what it keeps and shows sign-in.
      await appStore().client.signOut();
      return;
    }
    setBusy(session.id);
    try {
      await appStore().client.request("DELETE", `/api/v1/auth/sessions/${encodeURIComponent(session.id)}`);
      setSessions((rows) => rows?.filter((row) => row.id !== session.id) ?? null);
    } catch (e) {
      setError(errorMessage(e));
      void load();
    } finally {
      setBusy(null);
    }
  }

  async function endOthers() {
    setConfirming(false);
    setError(null);
    setBusy("others");
    try {
      const { data } = await appStore().client.request<Schemas["Revoked"]>("POST", "/api/v1/auth/sessions/revoke-others");
      setNotice(t("othersEnded", { count: data.revoked }));
      await load();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const others = sessions?.filter((s) => !s.current).length ?? 0;
  return (
    <div className="settings-sessions">
      {sessions && (
        <p className="muted" data-testid="sessions-count">
          {t("sessionsCount", { count: sessions.length })}
        </p>
      )}
      <ul className="session-list">
        {sessions?.map((session) => (
          <li key={session.id} className={session.current ? "session current" : "session"} data-testid="session" data-current={session.current}>
            <div className="session-text">
              <span className="session-device">
                {deviceName(session, t)}
                {session.current && <span className="chip-label this-device">{t("thisDevice")}</span>}
              </span>
              <span className="muted small-print">
                {session.last_used_at && <>{t("lastSeen", { time: formatDateTime(session.last_used_at) })} · </>}
                {t("signedIn", { time: formatDateTime(session.created_at) })}
                {session.ip && <> · {t("ip", { ip: session.ip })}</>}
              </span>
            </div>
            <button
              type="button"
              className="secondary small"
              disabled={busy !== null}
              aria-label={session.current ? undefined : t("endSessionLabel", { device: deviceName(session, t) })}
              onClick={() => void end(session)}
            >
              {session.current ? t("signOutHere") : t("endSession")}
            </button>
          </li>
        ))}
      </ul>
      {others > 0 && !confirming && (
        <button type="button" className="secondary" disabled={busy !== null} onClick={() => setConfirming(true)}>
          {t("endOthers")}
        </button>
      )}
      {confirming && (
        <div className="confirm" role="group" aria-labelledby="end-others-question">
          <p id="end-others-question">{t("endOthersConfirm")}</p>
          <div className="row start">
            <button type="button" className="danger" onClick={() => void endOthers()}>
              {t("confirm")}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {tc("cancel")}
            </button>
          </div>
        </div>
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
