import { useEffect, useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { formatTime } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import { conversationTitle } from "../sidebar/Sidebar.js";
import { ConversationInfo } from "../members/ConversationInfo.js";
import { conversationMessages } from "./messages.js";

/** One conversation: its history and the composer (the conversation feature grows from here). */
export function ConversationView({ id }: { id: string; thread: string | null; message: string | null }) {
  const t = useT(conversationMessages);
  const conversation = useApp((s) => s.conversations[id]);
  const timeline = useApp((s) => s.timelines[id]);
  const users = useApp((s) => s.users);
  const pending = useApp((s) => s.pending);
  const [body, setBody] = useState("");
  const [info, setInfo] = useState(false);

  useEffect(() => {
    if (conversation) void appStore().openTimeline(id);
  }, [id, conversation]);

  // Read what is shown (the conversation feature refines this: visibility, the unread mark).
  const lastSeq = conversation?.last_seq ?? 0;
  const loaded = timeline?.loaded ?? false;
  useEffect(() => {
    if (loaded && lastSeq > 0 && document.visibilityState === "visible") void appStore().markRead(id, lastSeq);
  }, [id, loaded, lastSeq]);

  if (!conversation) return <div className="empty-state">{t("notFound")}</div>;

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = body.trim();
    if (!text) return;
    appStore().client.sendMessage(id, text);
    setBody("");
  }

  return (
    <div className="conversation-with-info">
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conversation-header">
        <h1 id="conversation-title">{conversationTitle(conversation, users)}</h1>
        <button type="button" className="secondary" aria-expanded={info} onClick={() => setInfo((v) => !v)} data-testid="conversation-info-button">
          {t("info")}
        </button>
      </header>
      <ol className="timeline" aria-live="polite">
        {timeline?.messages.map((m) => (
          <li key={m.id} className="message" data-seq={m.seq}>
            <span className="author">{(m.author_id && users[m.author_id]?.full_name) || ""}</span>
            <span className="body">{m.body}</span>
            <time dateTime={m.created_at}>{formatTime(m.created_at)}</time>
          </li>
        ))}
        {pending
          .filter((p) => p.conversationId === id)
          .map((p) => (
            <li key={p.clientId} className="message pending">
              <span className="body">{p.body}</span>
              <span className="muted">{p.status === "failed" ? t("failed") : t("pending")}</span>
            </li>
          ))}
      </ol>
      <form className="composer" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="composer">
          {t("composerLabel")}
        </label>
        <textarea id="composer" name="body" value={body} placeholder={t("composerPlaceholder")} onChange={(e) => setBody(e.target.value)} />
        <button type="submit" className="primary">
          {t("send")}
        </button>
      </form>
    </section>
    {info && <ConversationInfo conversationId={id} onClose={() => setInfo(false)} />}
    </div>
  );
}
