import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useT } from "../../i18n/index.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import type { Conversation, Message } from "../../app/model.js";
import { ConversationInfo } from "../members/ConversationInfo.js";
import { useUploads } from "../attachments/useUploads.js";
import { ThreadPanel } from "../threads/ThreadPanel.js";
import { conversationTitle } from "../sidebar/Sidebar.js";
import { Composer, useMembers } from "./Composer.js";
import { EditHistoryDialog, ForwardDialog } from "./Dialogs.js";
import type { MessageActions, Permissions } from "./MessageItem.js";
import { Timeline, type TimelineControl } from "./Timeline.js";
import { conversationMessages } from "./messages.js";
import { buildRows, lastEditable as findLastEditable } from "./rows.js";
import { preview, systemUserIds, userName } from "./text.js";
import { Icon } from "./icons.js";
import { CallButtons } from "../../calls/CallButtons.js";
import "./conversation.css";

const DEFAULT_EDIT_WINDOW = 48 * 3600;
/** More unread than this: open at the first unread rather than at the newest page. */
const JUMP_TO_UNREAD_OVER = 30;

/** What my role lets me do here (docs/messaging.md, "Roles and permissions"). */
export function permissionsOf(conversation: Conversation, me: string | null): Permissions {
  const { role, kind } = conversation;
  const admin = role === "owner" || role === "admin";
  const member = admin || role === "member";
  const canPost = kind === "channel" ? admin : member;
  return {
    me,
    canPost,
    canReact: member,
    canPin: kind === "direct" ? member : admin,
    canModerate: kind !== "direct" && admin,
    canComment: canPost || (member && kind === "channel" && conversation.comments_enabled),
    editWindowSeconds: conversation.edit_window_seconds ?? DEFAULT_EDIT_WINDOW,
  };
}

/** The root of the thread `messageId` replies in, or null (`?around=` centres on it). */
async function threadRootOf(conversationId: string, messageId: string): Promise<string | null> {
  try {
    const path = `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages?around=${encodeURIComponent(messageId)}&limit=1`;
    const { data } = await appStore().client.request<{ results: Message[] }>("GET", path);
    const centre = data.results[0];
    return centre && centre.id !== messageId && Number(centre.reply_count ?? 0) > 0 ? centre.id : null;
  } catch {
    return null;
  }
}

/** One conversation: header with the pinned bar, the history, typing, the composer, and the
 * thread or info panel beside it. */
export function ConversationView({ id, thread, message }: { id: string; thread: string | null; message: string | null }) {
  const t = useT(conversationMessages);
  const conversation = useApp((s) => s.conversations[id]);
  const synced = useApp((s) => s.synced);
  if (!conversation) {
    return <div className="empty-state">{synced ? t("notFound") : null}</div>;
  }
  return <OpenConversation conversation={conversation} thread={thread} target={message} />;
}

function OpenConversation({ conversation, thread, target }: { conversation: Conversation; thread: string | null; target: string | null }) {
  const t = useT(conversationMessages);
  const id = conversation.id;
  const timeline = useApp((s) => s.timelines[id]);
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me);
  const allPending = useApp((s) => s.pending);
  const readers = useApp((s) => s.readers[id]);
  const typing = useApp((s) => s.typing[id]);
  const pins = useApp((s) => s.pins?.[id]);
  const members = useMembers(id);
  const uploads = useUploads(id);
  const [dragging, setDragging] = useState(false);
  // The unread mark is where it was when the chat opened, for the messages there were then.
  const [unread] = useState(() => (conversation.unread > 0 ? { from: conversation.last_read_seq + 1, to: conversation.last_seq } : null));
  const unreadFrom = unread?.from ?? null;
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const [historyOf, setHistoryOf] = useState<Message | null>(null);
  const [forwarding, setForwarding] = useState<Message | null>(null);
  const [infoOpen, setInfoOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [pinIndex, setPinIndex] = useState(0);
  const control = useRef<TimelineControl | null>(null);
  const meId = me?.id ?? null;

  // Open the history: around the target message, at the first unread, or the newest page.
  useEffect(() => {
    const store = appStore();
    const current = store.getState().timelines[id];
    if (target) {
      if (!current?.messages.some((m) => m.id === target)) {
        void store.openTimelineAround(id, target).then(async (found) => {
          if (!found) return setNotice(t("messageNotFound"));
          if (store.getState().timelines[id]?.messages.some((m) => m.id === target)) return;
          // Not in the main history: a thread reply (the window is around its root), or hidden.
          const root = await threadRootOf(id, target);
          if (root) navigate({ name: "conversation", id, message: root, thread: root }, { replace: true });
          else setNotice(t("messageNotFound"));
        });
      }
      return;
    }
    // Whatever window is open stays (also after a jump, when ?m= leaves the address).
    if (current && (current.loaded || current.loading)) return;
    if (unreadFrom !== null && conversation.unread > JUMP_TO_UNREAD_OVER) void store.openTimelineAt(id, unreadFrom);
    else void store.openTimeline(id);
    // The unread position is the one at opening; later changes must not reload.
  }, [id, target]);

  useEffect(() => {
    if (!appStore().getState().pins?.[id]) void appStore().loadPins(id);
  }, [id, pins]);

  // Names for authors and the people system messages name.
  useEffect(() => {
    const missing = new Set<string>();
    for (const m of timeline?.messages ?? []) for (const userId of systemUserIds(m)) if (!users[userId]) missing.add(userId);
    missing.forEach((userId) => void appStore().user(userId));
  }, [timeline?.messages, users]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  const pending = useMemo(() => allPending.filter((p) => p.conversationId === id && !p.options.thread_root), [allPending, id]);
  const rows = useMemo(() => buildRows(timeline?.messages ?? [], pending, { unreadFrom, unreadTo: unread?.to ?? null, me: meId }), [timeline?.messages, pending, unreadFrom, unread, meId]);
  const permissions = useMemo(() => permissionsOf(conversation, meId), [conversation, meId]);
  const readBy = useMemo(() => Math.max(0, ...Object.entries(readers ?? {}).filter(([userId]) => userId !== meId).map(([, seq]) => seq)), [readers, meId]);
  const pinnedIds = useMemo(() => new Set((pins ?? []).map((m) => m.id)), [pins]);

  const jumpTo = useCallback((messageId: string) => navigate({ name: "conversation", id, message: messageId, thread }), [id, thread]);
  const onTargetShown = useCallback(() => {
    // Keep the address of the conversation, not of the jump: a reload opens it normally.
    navigate({ name: "conversation", id, message: null, thread }, { replace: true });
  }, [id, thread]);

  const actions: MessageActions = useMemo(
    () => ({
      reply: (m) => {
        setEditing(null);
        setReplyTo(m);
      },
      thread: (m) => navigate({ name: "conversation", id, message: null, thread: m.id }),
      edit: (m) => {
        setReplyTo(null);
        setEditing(m);
      },
      history: (m) => setHistoryOf(m),
      forward: (m) => setForwarding(m),
      jumpTo,
      notify: (text) => setNotice(text),
    }),
    [id, jumpTo],
  );

  const closeThread = useCallback(() => navigate({ name: "conversation", id, message: null, thread: null }), [id]);

  function keyDown(event: React.KeyboardEvent) {
    const inField = event.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "PageUp" || event.key === "PageDown") {
      event.preventDefault();
      control.current?.page(event.key === "PageUp" ? -1 : 1);
    } else if (event.key === "Escape") {
      if (thread) closeThread();
      else if (infoOpen) setInfoOpen(false);
      else if (replyTo) setReplyTo(null);
    } else if (((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f") || (event.key === "/" && !inField)) {
      const search = document.querySelector<HTMLInputElement>('[data-testid="sidebar-filter"], input[type="search"][data-search="global"], nav input[type="search"]');
      if (search) {
        event.preventDefault();
        search.focus();
      }
    }
  }

  const typingNames = Object.entries(typing ?? {})
    .filter(([userId, until]) => userId !== meId && until > Date.now())
    .map(([userId]) => userName(users, userId, t));
  const typingText =
    typingNames.length === 0
      ? ""
      : typingNames.length === 1
        ? t("typingOne", { name: typingNames[0]! })
        : typingNames.length === 2
          ? t("typingTwo", { a: typingNames[0]!, b: typingNames[1]! })
          : t("typingMany", { count: typingNames.length });

  const pinned = pins && pins.length ? pins[Math.min(pinIndex, pins.length - 1)]! : null;
  const title = conversationTitle(conversation, users);

  let composer: ReactNode;
  if (permissions.canPost) {
    composer = (
      <Composer
        key={id}
        conversation={conversation}
        members={members}
        replyTo={replyTo}
        onReplyChange={setReplyTo}
        editing={editing}
        onEditingChange={setEditing}
        lastEditable={() => findLastEditable(timeline?.messages ?? [], meId, permissions.editWindowSeconds)}
        uploads={uploads}
      />
    );
  } else {
    composer = (
      <p className="composer-closed muted" data-testid="no-composer">
        {conversation.role === "read_only" ? t("readOnly") : t("cannotPost")}
      </p>
    );
  }

  return (
    <div className="conversation-layout" onKeyDown={keyDown}>
      <section
        className="conversation"
        aria-labelledby="conversation-title"
        data-testid="conversation"
        data-conversation-id={id}
        onDragOver={(e) => {
          if (!permissions.canPost || !e.dataTransfer.types.includes("Files")) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(e) => {
          if (!permissions.canPost) return;
          e.preventDefault();
          setDragging(false);
          const files = [...e.dataTransfer.files];
          if (files.length) uploads.add(files);
        }}
      >
        {dragging && (
          <div className="drop-overlay" data-testid="drop-overlay">
            {t("dropFiles")}
          </div>
        )}
        <header className="conversation-header">
          <div className="conversation-heading">
            <h1 id="conversation-title">{title}</h1>
            {conversation.kind !== "direct" && members.length > 0 && members.length < 200 && <span className="muted">{t("members", { count: members.length })}</span>}
          </div>
          {conversation.kind === "direct" && conversation.peer_id && !users[conversation.peer_id]?.is_bot && <CallButtons target={{ conversationId: conversation.id }} peerId={conversation.peer_id} name={title} />}
          <button
            type="button"
            className={infoOpen ? "icon active" : "icon"}
            aria-label={t("info")}
            title={t("info")}
            aria-pressed={infoOpen}
            data-testid="conversation-info-button"
            onClick={() => setInfoOpen((open) => !open)}
          >
            <Icon name="info" size={20} />
          </button>
        </header>
        {pinned && (
          <div className="pinned-bar" data-testid="pinned-bar">
            <button type="button" className="pinned-open" onClick={() => jumpTo(pinned.id)} data-testid="pinned-open">
              <span className="pinned-label">{pins!.length > 1 ? t("pinnedCount", { index: Math.min(pinIndex, pins!.length - 1) + 1, count: pins!.length }) : t("pinnedBar")}</span>
              <span className="pinned-text">{pinned.deleted ? t("deleted") : preview(pinned, 80) || t("pinnedEmpty")}</span>
            </button>
            {pins!.length > 1 && (
              <button type="button" className="icon" aria-label={t("nextPinned")} title={t("nextPinned")} onClick={() => setPinIndex((i) => (i + 1) % pins!.length)}>
                <Icon name="chevron" />
              </button>
            )}
            {permissions.canPin && (
              <button
                type="button"
                className="icon"
                aria-label={t("unpin")}
                title={t("unpin")}
                onClick={() => void appStore().client.request("DELETE", `/api/v1/messages/${pinned.id}/pin`).catch(() => undefined)}
              >
                <Icon name="close" />
              </button>
            )}
          </div>
        )}
        <Timeline
          conversation={conversation}
          timeline={timeline}
          rows={rows}
          users={users}
          readBy={readBy}
          pinnedIds={pinnedIds}
          permissions={permissions}
          actions={actions}
          target={target}
          onTargetShown={onTargetShown}
          control={control}
        />
        <div className="typing-line" aria-live="polite" data-testid="typing">
          {typingText}
        </div>
        {notice && (
          <div className="toast" role="status" data-testid="notice">
            {notice}
          </div>
        )}
        {composer}
      </section>
      {thread && <ThreadPanel key={thread} conversationId={id} rootId={thread} onClose={closeThread} />}
      {infoOpen && !thread && <ConversationInfo conversationId={id} onClose={() => setInfoOpen(false)} />}
      {historyOf && <EditHistoryDialog message={historyOf} onClose={() => setHistoryOf(null)} />}
      {forwarding && <ForwardDialog message={forwarding} onClose={() => setForwarding(null)} onDone={setNotice} />}
    </div>
  );
}
