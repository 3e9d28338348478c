// SCRATCH: not committed — exercises features/{attachments,threads,polls,scheduled} until h-conversation renders them.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { formatTime } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import { conversationTitle } from "../sidebar/Sidebar.js";
import { conversationMessages } from "./messages.js";
import { AttachmentList, UploadTray, useUploads } from "../attachments/index.js";
import { ThreadPanel } from "../threads/ThreadPanel.js";
import { PollView } from "../polls/PollView.js";
import { PollCreateDialog } from "../polls/PollCreateDialog.js";
import { ScheduleDialog } from "../scheduled/ScheduleDialog.js";
import { ScheduledList } from "../scheduled/ScheduledList.js";

export function ConversationView({ id, thread }: { id: string; thread: string | null; message: string | null }) {
  const t = useT(conversationMessages);
  const conversation = useApp((s) => s.conversations[id]);
  const timeline = useApp((s) => s.timelines[id]);
  const users = useApp((s) => s.users);
  const pending = useApp((s) => s.pending);
  const [body, setBody] = useState("");
  const uploads = useUploads(id);
  const fileRef = useRef<HTMLInputElement>(null);
  const [pollOpen, setPollOpen] = useState(false);
  const [scheduleOpen, setScheduleOpen] = useState(false);
  const [scheduledKey, setScheduledKey] = useState(0);

  useEffect(() => {
    if (conversation) void appStore().openTimeline(id);
  }, [id, conversation]);

  if (!conversation) return <div className="empty-state">{t("notFound")}</div>;

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = body.trim();
    if (uploads.busy || (!text && !uploads.readyIds.length)) return;
    appStore().client.sendMessage(id, text, { attachment_ids: uploads.readyIds });
    setBody("");
    uploads.clear();
  }

  return (
    <div style={{ display: "flex", height: "100%", minHeight: 0 }}>
      <section className="conversation" aria-labelledby="conversation-title" style={{ flex: 1, minWidth: 0 }}>
        <header className="conversation-header">
          <h1 id="conversation-title">{conversationTitle(conversation, users)}</h1>
        </header>
        <ol className="timeline" aria-live="polite" style={{ overflowY: "auto", flex: 1 }}>
          {timeline?.messages.map((m) => (
            <li key={m.id} className="message" data-seq={m.seq} data-testid="message">
              <span className="author">{(m.author_id && users[m.author_id]?.full_name) || ""}</span>
              {m.poll ? <PollView message={m} conversation={conversation} /> : <span className="body">{m.body}</span>}
              <AttachmentList message={m} />
              <button type="button" className="link" data-testid="thread-link" onClick={() => navigate({ name: "conversation", id, message: null, thread: m.id })}>
                thread {m.reply_count}
              </button>
              <time dateTime={m.created_at}>{formatTime(m.created_at)}</time>
            </li>
          ))}
          {pending
            .filter((p) => p.conversationId === id && !p.options.thread_root)
            .map((p) => (
              <li key={p.clientId} className="message pending">
                <span className="body">{p.body}</span>
              </li>
            ))}
        </ol>
        <ScheduledList conversationId={id} refreshKey={scheduledKey} />
        <UploadTray uploads={uploads.uploads} onCancel={uploads.cancel} onRemove={uploads.remove} />
        <form className="composer" onSubmit={submit} data-testid="composer">
          <label className="visually-hidden" htmlFor="composer">
            {t("composerLabel")}
          </label>
          <input ref={fileRef} type="file" multiple className="visually-hidden" tabIndex={-1} aria-hidden="true" data-testid="composer-file-input" onChange={(e) => { uploads.add(Array.from(e.target.files ?? [])); e.target.value = ""; }} />
          <button type="button" className="icon" aria-label="attach" onClick={() => fileRef.current?.click()}>📎</button>
          <button type="button" className="icon" aria-label="poll" data-testid="composer-poll" onClick={() => setPollOpen(true)}>📊</button>
          <button type="button" className="icon" aria-label="later" data-testid="composer-later" onClick={() => setScheduleOpen(true)}>⏰</button>
          <textarea id="composer" name="body" value={body} placeholder={t("composerPlaceholder")} onChange={(e) => setBody(e.target.value)} />
          <button type="submit" className="primary" disabled={uploads.busy}>
            {t("send")}
          </button>
        </form>
        {pollOpen && <PollCreateDialog conversationId={id} onClose={() => setPollOpen(false)} />}
        {scheduleOpen && (
          <ScheduleDialog conversationId={id} body={body} onClose={() => setScheduleOpen(false)} onScheduled={() => { setScheduleOpen(false); setBody(""); setScheduledKey((k) => k + 1); }} />
        )}
      </section>
      {thread && <ThreadPanel key={thread} conversationId={id} rootId={thread} onClose={() => navigate({ name: "conversation", id, message: null, thread: null })} />}
    </div>
  );
}
