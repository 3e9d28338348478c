import { useEffect, useMemo, useState } from "react";
import { useT } from "../../i18n/index.js";
import { formatDateTime } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import type { Message } from "../../app/model.js";
import { Dialog } from "../../ui/Dialog.js";
import { SafeHtml } from "../../ui/SafeHtml.js";
import { errorMessage } from "../../ui/errors.js";
import { conversationTitle, sortConversations } from "../sidebar/Sidebar.js";
import { conversationMessages } from "./messages.js";
import { userName } from "./text.js";

interface Version {
  body: string;
  body_html: string;
  written_at: string;
  written_by: string | null;
}

/** The earlier versions of a message (`GET /messages/{id}/edits`), oldest first, then now. */
export function EditHistoryDialog({ message, onClose }: { message: Message; onClose: () => void }) {
  const t = useT(conversationMessages);
  const users = useApp((s) => s.users);
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    appStore()
      .client.request<{ results: Version[] }>("GET", `/api/v1/messages/${message.id}/edits?limit=200`)
      .then(({ data }) => setVersions(data.results))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [message.id]);
  return (
    <Dialog title={t("historyTitle")} onClose={onClose} wide>
      {error && <p className="error" role="alert">{error}</p>}
      {versions && versions.length === 0 && <p className="muted">{t("historyNone")}</p>}
      <ol className="edit-history" data-testid="edit-history">
        {versions?.map((v, index) => (
          <li key={index}>
            <div className="muted">
              {formatDateTime(v.written_at)} · {userName(users, v.written_by, t)}
            </div>
            <SafeHtml className="body" html={v.body_html} />
          </li>
        ))}
        {versions && (
          <li className="current">
            <div className="muted">
              {t("historyCurrent")} · {message.edited_at ? formatDateTime(message.edited_at) : ""}
            </div>
            <SafeHtml className="body" html={message.body_html} />
          </li>
        )}
      </ol>
    </Dialog>
  );
}

/** Forward a message into one of my conversations (`POST /messages/{id}/forward`). */
export function ForwardDialog({ message, onClose, onDone }: { message: Message; onClose: () => void; onDone: (text: string) => void }) {
  const t = useT(conversationMessages);
  const conversations = useApp((s) => s.conversations);
  const users = useApp((s) => s.users);
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const list = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return sortConversations(Object.values(conversations)).filter((c) => {
      const title = conversationTitle(c, users).toLowerCase();
      return words.every((w) => title.includes(w));
    });
  }, [conversations, users, query]);

  async function forward(conversationId: string) {
    setBusy(true);
    try {
      await appStore().client.request("POST", `/api/v1/messages/${message.id}/forward`, {
        conversation_id: conversationId,
        client_id: crypto.randomUUID(),
      });
      onDone(t("forwardDone"));
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("forwardTitle")} onClose={onClose}>
      <label>
        {t("forwardSearch")}
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="forward-list" data-testid="forward-list">
        {list.map((c) => (
          <li key={c.id}>
            <button type="button" className="secondary" disabled={busy} onClick={() => void forward(c.id)}>
              {conversationTitle(c, users)}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
