/** "Call" and "video call": in a direct conversation's header and on a person's profile. */
import { appStore } from "../app/store.js";
import { useT } from "../i18n/index.js";
import type { CallTarget } from "./api.js";
import { CallIcon } from "./icons.js";
import { callsMessages } from "./messages.js";
import { callSession, useCallSession } from "./session.js";
import "./calls.css";

export function CallButtons({ target, peerId, name, labelled = false }: { target: CallTarget; peerId: string; name: string; labelled?: boolean }) {
  const t = useT(callsMessages);
  const view = useCallSession(appStore());
  const busy = view.phase !== "idle" && view.phase !== "ended";
  const place = (kind: "audio" | "video") => void callSession(appStore()).placeCall(kind, target, peerId);
  const buttons = [
    { kind: "audio" as const, icon: "phone" as const, text: t("callAudio"), label: t("callAudioTo", { name }), testId: "call-audio" },
    { kind: "video" as const, icon: "video" as const, text: t("callVideo"), label: t("callVideoTo", { name }), testId: "call-video" },
  ];
  return (
    <span className={labelled ? "call-buttons labelled" : "call-buttons"}>
      {buttons.map((b) => (
        <button
          key={b.kind}
          type="button"
          className={labelled ? "secondary" : "icon"}
          onClick={() => place(b.kind)}
          disabled={busy}
          aria-label={labelled ? undefined : b.label}
          title={busy ? t("callBusy") : b.label}
          data-testid={b.testId}
        >
          <CallIcon name={b.icon} size={labelled ? 18 : 20} />
          {labelled && <span>{b.text}</span>}
        </button>
      ))}
    </span>
  );
}
