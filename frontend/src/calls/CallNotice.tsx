/** The system message a finished call leaves in its conversation ("Пропущенный звонок",
 * "Звонок, 12:34"), with "call back" under a call the reader missed. */
import { appStore, useApp } from "../app/store.js";
import type { Message } from "../app/model.js";
import { useT } from "../i18n/index.js";
import { CallIcon } from "./icons.js";
import { callsMessages } from "./messages.js";
import { callRecord, noticeKey } from "./notice.js";
import { callSession, useCallSession } from "./session.js";
import "./calls.css";

export { callRecord };

export function CallNotice({ message }: { message: Message }) {
  const t = useT(callsMessages);
  const meId = useApp((s) => s.me?.id ?? null);
  const view = useCallSession(appStore());
  const record = callRecord(message);
  if (!record) return null;
  const { key, params } = noticeKey(record, meId);
  const missed = key === "noticeMissed" || key === "noticeMissedVideo";
  const busy = view.phase !== "idle" && view.phase !== "ended";
  return (
    <span className={missed ? "call-notice missed" : "call-notice"} data-testid="call-notice" data-call-state={record.state}>
      <CallIcon name={record.kind === "video" ? "video" : "phone"} size={16} />
      <span data-testid="call-notice-text">{t(key, params)}</span>
      {missed && record.callerId && (
        <button
          type="button"
          className="link"
          disabled={busy}
          onClick={() => void callSession(appStore()).placeCall(record.kind, { conversationId: message.conversation_id }, record.callerId)}
          data-testid="call-notice-back"
        >
          {t("callBack")}
        </button>
      )}
    </span>
  );
}
