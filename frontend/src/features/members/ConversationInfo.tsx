import { useState } from "react";
import { useT } from "../../i18n/index.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import { common } from "../../ui/messages.js";
import { errorMessage } from "../../ui/errors.js";
import { conversationTitle } from "../sidebar/Sidebar.js";
import { membersMessages } from "./messages.js";
import "./members.css";

/** The side panel of one conversation: what it is, who is in it, its settings. */
export function ConversationInfo({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const t = useT(membersMessages);
  const tc = useT(common);
  const conversation = useApp((s) => s.conversations[conversationId]);
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me);
  const [error, setError] = useState<string | null>(null);

  if (!conversation) {
    return (
      <aside className="info-panel" aria-label={t("panelTitle")} data-testid="conversation-info">
        <p>{t("notFound")}</p>
      </aside>
    );
  }
  const title = conversationTitle(conversation, users);

  async function leave() {
    if (!me || !window.confirm(t("leaveConfirm", { title }))) return;
    try {
      await appStore().client.request("DELETE", `/api/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(me.id)}`);
      navigate({ name: "home" });
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <aside className="info-panel" aria-labelledby="info-title" data-testid="conversation-info">
      <header className="info-header">
        <h2 id="info-title">{t("panelTitle")}</h2>
        <button type="button" className="icon" aria-label={tc("close")} onClick={onClose} data-testid="info-close">
          ✕
        </button>
      </header>
      <section className="info-about">
        <h3 className="info-name">{title}</h3>
        <p className="muted">{t(`kind_${conversation.kind}`)}</p>
        <p>{conversation.description || <span className="muted">{t("noDescription")}</span>}</p>
      </section>
      {error && <p className="error" role="alert">{error}</p>}
      {conversation.kind !== "direct" && conversation.role !== "owner" && (
        <button type="button" className="secondary" onClick={() => void leave()} data-testid="info-leave">
          {t("leave")}
        </button>
      )}
    </aside>
  );
}
