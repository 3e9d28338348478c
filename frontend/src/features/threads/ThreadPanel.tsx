import { useEffect, useRef, useState, type FormEvent } from "react";
import { appStore, useApp } from "../../app/store.js";
import type { Message } from "../../app/model.js";
import { useT } from "../../i18n/index.js";
import { formatDateTime, formatTime } from "../../i18n/format.js";
import { SafeHtml } from "../../ui/SafeHtml.js";
import { Avatar } from "../../ui/Avatar.js";
import { errorMessage } from "../../ui/errors.js";
import { AttachmentList, Icon, UploadTray, useUploads } from "../attachments/index.js";
import { PollView } from "../polls/PollView.js";
import { threadMessages } from "./messages.js";
import "./threads.css";

/** A thread beside the conversation: the root, its replies (live), a composer, follow. */
export function ThreadPanel({ conversationId, rootId, onClose }: { conversationId: string; rootId: string; onClose: () => void }) {
  const t = useT(threadMessages);
  const thread = useApp((s) => s.threads[rootId]);
  const conversation = useApp((s) => s.conversations[conversationId]);
  const pending = useApp((s) => s.pending);
  const [followError, setFollowError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void appStore().openThread(rootId);
    headingRef.current?.focus();
    return () => appStore().closeThread(rootId);
  }, [rootId]);

  const root = thread?.root ?? null;
  const following = thread?.following ?? null;
  const replyCount = root?.reply_count ?? thread?.replies.length ?? 0;
  const mine = pending.filter((p) => p.conversationId === conversationId && p.options.thread_root === rootId);

  async function toggleFollow() {
    const next = !following;
    setFollowError(null);
    try {
      await appStore().client.request("POST", `/api/v1/messages/${encodeURIComponent(rootId)}/follow`, { follow: next });
      appStore().setThreadFollowing(rootId, next);
    } catch (error) {
      setFollowError(errorMessage(error));
    }
  }

  return (
    <aside className="thread-panel" aria-labelledby="thread-title" data-testid="thread-panel">
      <header className="thread-header">
        <h2 id="thread-title" ref={headingRef} tabIndex={-1}>
          {t("title")}
        </h2>
        <span className="muted" data-testid="thread-reply-count">
          {replyCount ? t("replies", { count: replyCount }) : t("noReplies")}
        </span>
        <button
          type="button"
          className="secondary"
          aria-pressed={following === true}
          onClick={() => void toggleFollow()}
          disabled={following === null}
          data-testid="thread-follow"
        >
          {following ? t("unfollow") : t("follow")}
        </button>
        <button type="button" className="icon" aria-label={t("close")} onClick={onClose} data-testid="thread-close">
          <Icon name="close" />
        </button>
      </header>
      {followError && (
        <p className="error" role="alert">
          {followError}
        </p>
      )}
      <div className="thread-body">
        {thread?.error && (
          <p className="error" role="alert">
            {thread.error}
          </p>
        )}
        {!thread?.loaded && !thread?.error && <p className="muted">{t("loading")}</p>}
        {root && (
          <div className="thread-root" data-testid="thread-root">
            <ThreadMessage message={root} conversationId={conversationId} />
          </div>
        )}
        <ol className="thread-replies" aria-live="polite" data-testid="thread-replies">
          {thread?.replies.map((m) => (
            <li key={m.id} data-testid="thread-reply" data-seq={m.seq}>
              <ThreadMessage message={m} conversationId={conversationId} />
            </li>
          ))}
          {mine.map((p) => (
            <li key={p.clientId} className="pending" data-testid="thread-reply-pending">
              <span className="thread-text">{p.body}</span>
              <span className="muted">{p.status === "failed" ? t("failed") : t("pending")}</span>
              {p.status === "failed" && (
                <button type="button" className="link" onClick={() => appStore().client.retrySend(p.clientId)}>
                  {t("retry")}
                </button>
              )}
            </li>
          ))}
        </ol>
        {thread?.nextCursor && (
          <button type="button" className="secondary" disabled={thread.loading} onClick={() => void appStore().loadMoreReplies(rootId)} data-testid="thread-more">
            {t("loadMore")}
          </button>
        )}
      </div>
      {conversation && <ThreadComposer conversationId={conversationId} rootId={rootId} />}
    </aside>
  );
}

function ThreadMessage({ message, conversationId }: { message: Message; conversationId: string }) {
  const t = useT(threadMessages);
  const author = useApp((s) => (message.author_id ? s.users[message.author_id] : undefined));
  const conversation = useApp((s) => s.conversations[conversationId]);
  useEffect(() => {
    if (message.author_id && !author) void appStore().user(message.author_id);
  }, [message.author_id, author]);
  return (
    <article className="thread-message">
      <Avatar user={author ?? null} id={message.author_id ?? ""} size={28} />
      <div className="thread-message-main">
        <div className="thread-meta">
          <span className="author">{author?.full_name ?? ""}</span>
          <time dateTime={message.created_at} title={formatDateTime(message.created_at)}>
            {formatTime(message.created_at)}
          </time>
        </div>
        {message.deleted ? (
          <span className="muted">{t("deleted")}</span>
        ) : message["poll"] && conversation ? (
          <PollView message={message} conversation={conversation} />
        ) : (
          <SafeHtml className="thread-text" html={message.body_html} />
        )}
        <AttachmentList message={message} />
      </div>
    </article>
  );
}

function ThreadComposer({ conversationId, rootId }: { conversationId: string; rootId: string }) {
  const t = useT(threadMessages);
  const uploads = useUploads(conversationId);
  const [body, setBody] = useState("");
  const fileRef = useRef<HTMLInputElement>(null);
  const inputId = `thread-composer-${rootId}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = body.trim();
    if (uploads.busy || (!text && uploads.readyIds.length === 0)) return;
    appStore().client.sendMessage(conversationId, text, { thread_root: rootId, attachment_ids: uploads.readyIds });
    setBody("");
    uploads.clear();
  }

  return (
    <form className="thread-composer" onSubmit={submit} data-testid="thread-composer">
      <UploadTray uploads={uploads.uploads} onCancel={uploads.cancel} onRemove={uploads.remove} />
      <div className="thread-composer-row">
        <label className="visually-hidden" htmlFor={inputId}>
          {t("composerLabel")}
        </label>
        <textarea
          id={inputId}
          value={body}
          placeholder={t("composerPlaceholder")}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) submit(e);
          }}
          data-testid="thread-input"
        />
        <input
          ref={fileRef}
          type="file"
          multiple
          className="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            uploads.add(Array.from(e.target.files ?? []));
            e.target.value = "";
          }}
          data-testid="thread-file-input"
        />
        <button type="button" className="icon" aria-label={t("attach")} onClick={() => fileRef.current?.click()}>
          <Icon name="attach" />
        </button>
        <button type="submit" className="primary" disabled={uploads.busy} title={uploads.busy ? t("waitUploads") : undefined} data-testid="thread-send">
          {t("send")}
        </button>
      </div>
    </form>
  );
}
