import { lazy, Suspense, useEffect, useState } from "react";
import { translate, useLanguage, useT, type Language } from "../i18n/index.js";
import { authMessages } from "../features/auth/messages.js";
import { SignIn } from "../features/auth/SignIn.js";
import { DeviceRefused } from "../features/auth/DeviceRefused.js";
import { EnrolmentRequired } from "../features/auth/Enrolment.js";
import { common } from "../ui/messages.js";
import { Shell } from "./Shell.js";
import { appStore, useApp } from "./store.js";
import { useRoute } from "./router.js";

// A guest's page (a meeting's link): no sign-in, nothing of the app but that meeting.
const GuestScreen = lazy(() => import("../conferences/GuestScreen.js").then((m) => ({ default: m.GuestScreen })));

/** Which screen the tab shows: sign-in, a refusal, 2FA enrolment, or the app itself. */
export function App() {
  const t = useT(common);
  const language = useLanguage();
  const connection = useApp((s) => s.connection);
  const synced = useApp((s) => s.synced);
  const syncError = useApp((s) => s.syncError);
  const me = useApp((s) => s.me);
  const [enrolment, setEnrolment] = useState(false);
  const signedIn = connection.status !== "signed_out" && connection.status !== "device_refused";
  const guest = useRoute().name === "conference_guest";

  useEffect(() => {
    // A reload: load the starting state at once instead of waiting for the socket.
    if (signedIn && !synced && !guest) void appStore().sync();
  }, [signedIn, synced, guest]);

  useEffect(() => {
    if (!syncError || !signedIn) return;
    // The agency requires 2FA and this user has none: only 2FA endpoints work.
    appStore()
      .client.request<{ enabled: boolean; required: boolean }>("GET", "/api/v1/auth/2fa")
      .then(({ data }) => setEnrolment(data.required && !data.enabled))
      .catch(() => undefined);
  }, [syncError, signedIn]);

  if (guest) {
    return (
      <Suspense fallback={<div className="splash" role="status">{t("loading")}</div>}>
        <GuestScreen />
      </Suspense>
    );
  }
  if (connection.status === "signed_out") return <SignIn notice={signedOutNotice(connection.reason, connection.error?.message ?? null, language)} />;
  if (connection.status === "device_refused") return <DeviceRefused reason={connection.reason} message={connection.error?.message ?? null} />;
  if (enrolment || (me && me.two_factor_required && !me.two_factor_enabled)) {
    return (
      <EnrolmentRequired
        onDone={() => {
          setEnrolment(false);
          void appStore().sync();
        }}
      />
    );
  }
  if (!synced) {
    return (
      <div className="splash" role="status" aria-live="polite">
        {syncError ? (
          <>
            <p className="error">{syncError}</p>
            <button type="button" className="primary" onClick={() => void appStore().sync()}>
              {t("retry")}
            </button>
          </>
        ) : (
          t("loading")
        )}
      </div>
    );
  }
  return <Shell />;
}

/** Why the user is at the sign-in screen, unless they signed out themselves. */
function signedOutNotice(reason: string | null, message: string | null, language: Language): string | null {
  if (reason === null || reason === "signed_out") return null;
  if (reason === "wiped") return translate(authMessages, language, "signedOutWiped");
  if (reason === "device_command") return translate(authMessages, language, "signedOutDevice");
  if (reason === "token_expired" || reason === "refresh_expired") return translate(authMessages, language, "signedOutExpired");
  return message || translate(authMessages, language, "signedOutRevoked");
}
