import { memo, useEffect, useState, type MouseEvent as ReactMouseEvent } from "react";
import { useT } from "../../i18n/index.js";
import { formatDateTime, formatDay, formatTime } from "../../i18n/format.js";
import { appStore } from "../../app/store.js";
import type { Conversation, Message, User } from "../../app/model.js";
import type { OutgoingMessage } from "../../realtime/index.js";
import { ApprovalCard, isApprovalMessage } from "../../approvals/ApprovalCard.js";
import { Avatar } from "../../ui/Avatar.js";
import { SafeHtml } from "../../ui/SafeHtml.js";
import { EmojiPicker } from "./EmojiPicker.js";
import { Popover } from "./Popover.js";
import { Icon } from "./icons.js";
import { QUICK_REACTIONS } from "./emoji.js";
import { conversationMessages } from "./messages.js";
import { canEdit, type Row } from "./rows.js";
import { preview, systemText, userName } from "./text.js";
import { CallNotice, callRecord } from "../../calls/CallNotice.js";
import { DocumentSharedCard } from "./DocumentSharedCard.js";
import { documentCard } from "./documentCard.js";
import { errorMessage } from "../../ui/errors.js";
import { AttachmentList } from "../attachments/AttachmentList.js";
import { PollView } from "../polls/PollView.js";

export interface MessageActions {
  reply(message: Message): void;
  thread(message: Message): void;
  edit(message: Message): void;
  history(message: Message): void;
  forward(message: Message): void;
  jumpTo(messageId: string): void;
  notify(text: string): void;
}

export interface Permissions {
  me: string | null;
  canPost: boolean;
  canReact: boolean;
  canPin: boolean;
  canModerate: boolean;
  canComment: boolean;
  editWindowSeconds: number;
}

type Reaction = { emoji: string; count: number; user_ids: string[] };

// Quoted messages outside the loaded window, fetched once per session (`?around=<id>&limit=1`).
const quoted = new Map<string, Promise<Message | null>>();
function fetchQuoted(conversationId: string, messageId: string): Promise<Message | null> {
  let request = quoted.get(messageId);
  if (!request) {
    const path = `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages?around=${encodeURIComponent(messageId)}&limit=1`;
    request = appStore()
      .client.request<{ results: Message[] }>("GET", path)
      .then(({ data }) => data.results.find((m) => m.id === messageId) ?? null)
      .catch(() => null);
    quoted.set(messageId, request);
  }
  return request;
}

function Quote({ conversationId, messageId, known, users, onJump }: { conversationId: string; messageId: string; known: Message | undefined; users: Readonly<Record<string, User>>; onJump: (id: string) => void }) {
  const t = useT(conversationMessages);
  const [fetched, setFetched] = useState<Message | null | undefined>(undefined);
  useEffect(() => {
    if (known) return;
    let live = true;
    void fetchQuoted(conversationId, messageId).then((m) => live && setFetched(m));
    return () => {
      live = false;
    };
  }, [conversationId, messageId, known]);
  const original = known ?? fetched;
  return (
    <button type="button" className="quote" data-testid="reply-quote" onClick={() => onJump(messageId)} title={t("goToOriginal")}>
      <span className="quote-author">{original ? userName(users, original.author_id, t) : "…"}</span>
      <span className="quote-text">{original === null ? t("replyUnavailable") : original ? (original.deleted ? t("deleted") : preview(original)) : "…"}</span>
    </button>
  );
}

export const MessageItem = memo(function MessageItem({
  row,
  conversation,
  users,
  readBy,
  highlighted,
  pinned,
  byId,
  permissions,
  actions,
}: {
  row: Extract<Row, { kind: "message" }>;
  conversation: Conversation;
  users: Readonly<Record<string, User>>;
  /** The highest seq another member has read (read receipts). */
  readBy: number;
  highlighted: boolean;
  pinned: boolean;
  byId: ReadonlyMap<string, Message>;
  permissions: Permissions;
  actions: MessageActions;
}) {
  const t = useT(conversationMessages);
  const { message } = row;
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const [picker, setPicker] = useState<{ x: number; y: number } | null>(null);
  const mine = !!permissions.me && message.author_id === permissions.me;
  const author = userName(users, message.author_id, t);

  const separators = (
    <>
      {row.dayStart && (
        <div className="day-separator" role="separator" data-testid="day-separator">
          <span>{formatDay(message.created_at, { today: t("today"), yesterday: t("yesterday") })}</span>
        </div>
      )}
      {row.firstUnread && (
        <div className="unread-separator" role="separator" data-testid="unread-separator">
          <span>{t("newMessages")}</span>
        </div>
      )}
    </>
  );

  // An approval step (approvals/ApprovalCard.tsx): a card with a link to the document.
  if (isApprovalMessage(message)) {
    return (
      <div className="row-wrap">
        {separators}
        <div className="system-message" data-testid="message" data-seq={message.seq} data-id={message.id} data-system="true">
          <ApprovalCard message={message} users={users} />
        </div>
      </div>
    );
  }

  if (message.kind === "system") {
    return (
      <div className="row-wrap">
        {separators}
        <div className="system-message" data-testid="message" data-seq={message.seq} data-id={message.id} data-system="true">
          {documentCard(message) ? <DocumentSharedCard message={message} users={users} /> : callRecord(message) ? <CallNotice message={message} /> : systemText(message, users, t)}
        </div>
      </div>
    );
  }

  const reactions = (message["reactions"] as Reaction[] | undefined) ?? [];
  const forwarded = message["forwarded_from"] as { author_id: string | null } | null | undefined;
  const replyCount = Number(message["reply_count"] ?? 0);
  const isChannel = conversation.kind === "channel";

  function toggle(emoji: string) {
    const reaction = reactions.find((r) => r.emoji === emoji);
    const mineNow = !!permissions.me && !!reaction?.user_ids.includes(permissions.me);
    const path = mineNow
      ? `/api/v1/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`
      : `/api/v1/messages/${message.id}/reactions`;
    appStore()
      .client.request(mineNow ? "DELETE" : "POST", path, mineNow ? undefined : { emoji })
      .catch((error: unknown) => actions.notify(errorText(error)));
  }

  function openMenu(event: ReactMouseEvent) {
    event.preventDefault();
    setMenu({ x: event.clientX, y: event.clientY });
  }

  function openMenuAt(element: HTMLElement) {
    const box = element.getBoundingClientRect();
    setMenu({ x: box.left, y: box.bottom + 4 });
  }

  function run(action: () => void) {
    setMenu(null);
    action();
  }

  async function call(method: string, path: string) {
    try {
      await appStore().client.request(method, path);
    } catch (error) {
      actions.notify(errorText(error));
    }
  }

  const deletable = !message.deleted && (mine || permissions.canModerate);
  const editable = canEdit(message, permissions.me, permissions.editWindowSeconds);

  return (
    <div className="row-wrap">
      {separators}
      <article
        className={[
          "message",
          row.grouped ? "grouped" : "",
          mine ? "mine" : "",
          highlighted ? "highlighted" : "",
          message.deleted ? "deleted" : "",
        ].join(" ")}
        data-testid="message"
        data-seq={message.seq}
        data-id={message.id}
        aria-label={`${author}, ${formatTime(message.created_at)}`}
        onContextMenu={message.deleted ? undefined : openMenu}
        onKeyDown={(e) => {
          if (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10")) {
            e.preventDefault();
            openMenuAt(e.currentTarget);
          }
        }}
      >
        <div className="message-gutter">{!row.grouped && <Avatar user={users[message.author_id ?? ""]} name={author} id={message.author_id ?? undefined} size={36} />}</div>
        <div className="message-main">
          {!row.grouped && (
            <div className="message-head">
              <span className="author">{author}</span>
              <time dateTime={message.created_at} title={formatDateTime(message.created_at)}>
                {formatTime(message.created_at)}
              </time>
            </div>
          )}
          {forwarded && (
            <div className="forwarded" data-testid="forwarded">
              {forwarded.author_id ? t("forwardedFrom", { name: userName(users, forwarded.author_id, t) }) : t("forwardedUnknown")}
            </div>
          )}
          {message.reply_to && !message.deleted && (
            <Quote conversationId={conversation.id} messageId={message.reply_to} known={byId.get(message.reply_to)} users={users} onJump={actions.jumpTo} />
          )}
          {message.deleted ? (
            <p className="body muted">{t("deleted")}</p>
          ) : message.poll ? (
            // A poll's body is its question, which the poll shows itself.
            <PollView message={message} conversation={conversation} />
          ) : (
            <SafeHtml className="body" html={message.body_html} />
          )}
          <AttachmentList message={message} />
          <div className="message-meta">
            {row.grouped && (
              <time dateTime={message.created_at} title={formatDateTime(message.created_at)}>
                {formatTime(message.created_at)}
              </time>
            )}
            {message.edited_at && !message.deleted && (
              <button type="button" className="edited" data-testid="edited" title={t("editedTitle", { when: formatDateTime(message.edited_at) })} onClick={() => actions.history(message)}>
                {t("edited")}
              </button>
            )}
            {pinned && (
              <span className="pin-mark" title={t("pinnedBar")}>
                <Icon name="pin" size={14} />
                <span className="visually-hidden">{t("pinnedBar")}</span>
              </span>
            )}
            {mine && !message.deleted && (
              <span className={readBy >= message.seq ? "receipt read" : "receipt"} data-testid="receipt" data-read={readBy >= message.seq} title={readBy >= message.seq ? t("readMark") : t("sentMark")}>
                <span aria-hidden="true">{readBy >= message.seq ? "✓✓" : "✓"}</span>
                <span className="visually-hidden">{readBy >= message.seq ? t("readMark") : t("sentMark")}</span>
              </span>
            )}
          </div>
          {reactions.length > 0 && (
            <div className="reactions" data-testid="reactions">
              {reactions.map((r) => {
                const minePressed = !!permissions.me && r.user_ids.includes(permissions.me);
                const names = r.user_ids.map((id) => userName(users, id, t)).join(", ");
                return (
                  <button
                    key={r.emoji}
                    type="button"
                    className={minePressed ? "reaction mine" : "reaction"}
                    aria-pressed={minePressed}
                    disabled={!permissions.canReact}
                    title={t("reactionBy", { emoji: r.emoji, names })}
                    aria-label={t("toggleReaction", { emoji: r.emoji, count: r.count })}
                    data-testid="reaction"
                    data-emoji={r.emoji}
                    onClick={() => toggle(r.emoji)}
                  >
                    <span aria-hidden="true">{r.emoji}</span> <span className="count">{r.count}</span>
                  </button>
                );
              })}
            </div>
          )}
          {(replyCount > 0 || (isChannel && conversation.comments_enabled)) && !message.deleted && (
            <button type="button" className="thread-link" data-testid="thread-link" onClick={() => actions.thread(message)}>
              {isChannel
                ? replyCount > 0
                  ? t("commentsCount", { count: replyCount })
                  : t("comments")
                : t("threadReplies", { count: replyCount })}
            </button>
          )}
        </div>
        {!message.deleted && (
          <div className="message-toolbar" role="toolbar" aria-label={t("actions")}>
            {permissions.canReact && (
              <button type="button" className="icon" aria-label={t("react")} title={t("react")} data-testid="react-button" onClick={(e) => {
                const box = e.currentTarget.getBoundingClientRect();
                setPicker({ x: box.left - 200, y: box.bottom + 4 });
              }}>
                <Icon name="smile" />
              </button>
            )}
            {permissions.canPost && (
              <button type="button" className="icon" aria-label={t("reply")} title={t("reply")} data-testid="reply-button" onClick={() => actions.reply(message)}>
                <Icon name="reply" />
              </button>
            )}
            {permissions.canComment && (
              <button type="button" className="icon" aria-label={t("replyInThread")} title={t("replyInThread")} data-testid="thread-button" onClick={() => actions.thread(message)}>
                <Icon name="thread" />
              </button>
            )}
            <button type="button" className="icon" aria-label={t("actions")} aria-haspopup="menu" title={t("actions")} data-testid="more-button" onClick={(e) => openMenuAt(e.currentTarget)}>
              <Icon name="more" />
            </button>
          </div>
        )}
      </article>
      {menu && (
        <Popover x={menu.x} y={menu.y} onClose={() => setMenu(null)} label={t("actions")} role="menu" className="menu" testId="message-menu">
          {permissions.canReact && (
            <div className="quick-reactions" role="group" aria-label={t("react")}>
              {QUICK_REACTIONS.map((emoji) => (
                <button key={emoji} type="button" role="menuitem" className="emoji-cell" aria-label={emoji} onClick={() => run(() => toggle(emoji))}>
                  {emoji}
                </button>
              ))}
              <button type="button" role="menuitem" className="emoji-cell" aria-label={t("moreReactions")} title={t("moreReactions")} onClick={() => run(() => setPicker({ x: menu.x, y: menu.y }))}>
                <Icon name="plus" />
              </button>
            </div>
          )}
          {permissions.canPost && <MenuItem label={t("reply")} onClick={() => run(() => actions.reply(message))} />}
          {permissions.canComment && <MenuItem label={t("replyInThread")} onClick={() => run(() => actions.thread(message))} />}
          {editable && <MenuItem label={t("edit")} testId="menu-edit" onClick={() => run(() => actions.edit(message))} />}
          {message.edit_count > 0 && <MenuItem label={t("editHistory")} onClick={() => run(() => actions.history(message))} />}
          {permissions.canPin && (
            <MenuItem
              label={pinned ? t("unpin") : t("pin")}
              testId="menu-pin"
              onClick={() => run(() => void call(pinned ? "DELETE" : "POST", `/api/v1/messages/${message.id}/pin`))}
            />
          )}
          <MenuItem label={t("forward")} onClick={() => run(() => actions.forward(message))} />
          <MenuItem
            label={t("copy")}
            onClick={() =>
              run(() => {
                void navigator.clipboard?.writeText(message.body).then(() => actions.notify(t("copied")), () => undefined);
              })
            }
          />
          <MenuItem label={t("deleteForMe")} testId="menu-hide" onClick={() => run(() => void call("POST", `/api/v1/messages/${message.id}/hide`))} />
          {deletable && (
            <MenuItem
              label={t("deleteForAll")}
              danger
              testId="menu-delete"
              onClick={() =>
                run(() => {
                  if (window.confirm(t("confirmDelete"))) void call("DELETE", `/api/v1/messages/${message.id}`);
                })
              }
            />
          )}
        </Popover>
      )}
      {picker && (
        <Popover x={picker.x} y={picker.y} onClose={() => setPicker(null)} label={t("reactTitle")} className="picker-popover">
          <EmojiPicker
            onPick={(emoji) => {
              setPicker(null);
              toggle(emoji);
            }}
          />
        </Popover>
      )}
    </div>
  );
});

function MenuItem({ label, onClick, danger = false, testId }: { label: string; onClick: () => void; danger?: boolean; testId?: string }) {
  return (
    <button type="button" role="menuitem" className={danger ? "menu-item danger-text" : "menu-item"} onClick={onClick} data-testid={testId}>
      {label}
    </button>
  );
}

/** A pending or failed send of mine, not confirmed by the server yet. */
export function PendingItem({ row, me, users }: { row: Extract<Row, { kind: "pending" }>; me: string | null; users: Readonly<Record<string, User>> }) {
  const t = useT(conversationMessages);
  const { pending } = row;
  const failed = pending.status === "failed";
  return (
    <div className="row-wrap">
      {row.dayStart && (
        <div className="day-separator" role="separator">
          <span>{formatDay(new Date(pending.createdAt).toISOString(), { today: t("today"), yesterday: t("yesterday") })}</span>
        </div>
      )}
      <article className={failed ? "message mine pending failed" : "message mine pending"} data-testid="pending-message" data-status={pending.status}>
        <div className="message-gutter">
          <Avatar user={me ? users[me] : null} size={36} />
        </div>
        <div className="message-main">
          <div className="message-head">
            <span className="author">{userName(users, me, t)}</span>
          </div>
          <p className="body pending-body">{pending.body}</p>
          <div className="message-meta">
            {failed ? (
              <span className="error" role="alert">
                {t("sendFailed", { error: pendingError(pending) })}
              </span>
            ) : (
              <span className="muted">{t("pending")}</span>
            )}
            {failed && (
              <>
                <button type="button" className="link" onClick={() => appStore().client.retrySend(pending.clientId)}>
                  {t("retrySend")}
                </button>
                <button type="button" className="link" onClick={() => appStore().client.discardSend(pending.clientId)}>
                  {t("discardSend")}
                </button>
              </>
            )}
          </div>
        </div>
      </article>
    </div>
  );
}

export function pendingError(pending: OutgoingMessage): string {
  return pending.error?.message || pending.error?.code || "";
}

function errorText(error: unknown): string {
  return errorMessage(error);
}
