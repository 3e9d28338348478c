/**
 * What the shell always has mounted for calls: the incoming-call card (every tab of the
 * callee rings until the call is answered here or elsewhere, declined, cancelled or missed)
 * and the screen of the call this tab carries.
 */
import { useEffect, useMemo, useRef } from "react";
import { appStore, useApp } from "../app/store.js";
import { useT } from "../i18n/index.js";
import { Avatar } from "../ui/Avatar.js";
import type { Call } from "./api.js";
import { CallScreen } from "./CallScreen.js";
import { displayName, useActiveCalls, useUser } from "./hooks.js";
import { CallIcon } from "./icons.js";
import { callsMessages } from "./messages.js";
import { Ringtone } from "./ringtone.js";
import { notificationPermission } from "../features/notifications/browser.js";
import { callSession, useCallSession } from "./session.js";
import { ringingCalls } from "./state.js";
import "./calls.css";

export function CallLayer() {
  const view = useCallSession(appStore());
  const meId = useApp((s) => s.me?.id ?? null);
  const calls = useApp((s) => s.calls);
  const ringing = useMemo(() => ringingCalls(calls, meId, view.callId), [calls, meId, view.callId]);
  useActiveCalls();
  useRingtone(ringing.length > 0);
  return (
    <>
      {ringing[0] && <IncomingCall key={ringing[0].id} call={ringing[0]} />}
      {view.phase !== "idle" && <CallScreen view={view} />}
    </>
  );
}

function IncomingCall({ call }: { call: Call }) {
  const t = useT(callsMessages);
  const caller = useUser(call.caller_id);
  const name = displayName(caller, t("unknownUser"));
  const session = callSession(appStore());
  const acceptRef = useRef<HTMLButtonElement>(null);
  useEffect(() => acceptRef.current?.focus(), []);
  const title = call.kind === "video" ? t("incomingVideo") : t("incomingAudio");
  useSystemNotification(call.id, title, caller ? name : null);
  return (
    <section className="incoming-call" role="alertdialog" aria-labelledby="incoming-call-title" aria-describedby="incoming-call-name" data-testid="incoming-call" data-call-id={call.id} data-kind={call.kind}>
      <Avatar user={caller} id={call.caller_id} size={56} />
      <div className="incoming-call-text">
        <h2 id="incoming-call-title">{title}</h2>
        <p id="incoming-call-name" className="incoming-call-name" data-testid="incoming-call-name">
          {name}
        </p>
      </div>
      <div className="incoming-call-actions">
        <button type="button" className="call-button decline" onClick={() => void session.decline(call)} data-testid="incoming-decline" aria-label={t("decline")} title={t("decline")}>
          <CallIcon name="hangup" />
        </button>
        <button ref={acceptRef} type="button" className="call-button accept" onClick={() => void session.answer(call)} data-testid="incoming-accept" aria-label={t("accept")} title={t("accept")} disabled={session.busy}>
          <CallIcon name={call.kind === "video" ? "video" : "phone"} />
        </button>
      </div>
    </section>
  );
}

/** While the tab is hidden, a system notification (if allowed: features/notifications)
 * that brings the tab forward; it goes when the ringing stops. One per call, even with two
 * tabs of this browser ringing. */
function useSystemNotification(callId: string, title: string, name: string | null): void {
  useEffect(() => {
    if (name === null || document.visibilityState !== "hidden" || notificationPermission() !== "granted") return;
    const notification = new Notification(title, { body: name, tag: `portal-call-${callId}`, requireInteraction: true });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
    return () => notification.close();
  }, [callId, title, name]);
}

function useRingtone(on: boolean): void {
  useEffect(() => {
    if (!on) return;
    const ringtone = new Ringtone();
    ringtone.start();
    return () => ringtone.stop();
  }, [on]);
}
