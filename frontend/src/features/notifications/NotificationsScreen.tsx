import { useCallback, useEffect, useState } from "react";
import { useT } from "../../i18n/index.js";
import { formatListTime, formatDateTime } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import type { Page } from "../../app/model.js";
import type { Notification } from "../../api/index.js";
import { errorMessage } from "../../ui/errors.js";
import { conversationTitle } from "../sidebar/Sidebar.js";
import { askPermission, notificationPermission, type Permission } from "./browser.js";
import { preview } from "./rules.js";
import { notificationsMessages } from "./messages.js";
import "./notifications.css";

type NotificationItem = Notification;

/** Unread notifications, for the sidebar's link: `more` when there are over `unread` (200). */
export function useUnreadNotifications(): { unread: number; more: boolean } {
  return useApp((s) => s.notifications);
}

/** The in-app list of notifications (`GET /api/v1/notifications`), newest first. */
export function NotificationsScreen() {
  const t = useT(notificationsMessages);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [items, setItems] = useState<NotificationItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const unread = useUnreadNotifications();

  const load = useCallback(
    async (cursor: string | null) => {
      setLoading(true);
      setError(null);
      const query = new URLSearchParams({ limit: "50" });
      if (unreadOnly) query.set("unread", "true");
      if (cursor) query.set("cursor", cursor);
      try {
        const { data } = await appStore().client.request<Page<NotificationItem>>("GET", `/api/v1/notifications?${query}`);
        setItems((current) => (cursor ? [...current, ...data.results] : data.results));
        setNext(data.next);
      } catch (e) {
        setError(errorMessage(e));
      } finally {
        setLoading(false);
      }
    },
    [unreadOnly],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  async function markRead(ids: number[] | "all") {
    setError(null);
    try {
      await appStore().client.request("POST", "/api/v1/notifications/read", ids === "all" ? { all: true } : { ids });
      setItems((current) => current.map((n) => (ids === "all" || ids.includes(n.id) ? { ...n, read: true } : n)));
      void appStore().refreshNotifications();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  function open(item: NotificationItem) {
    if (!item.read) void markRead([item.id]);
    navigate({ name: "conversation", id: item.conversation.id, message: item.message.id, thread: item.message.thread_root });
  }

  return (
    <div className="page notifications-page" data-testid="notifications">
      <header className="page-header">
        <h1>{t("title")}</h1>
        {unread.unread > 0 && <span className="muted">{t("unreadCount", { count: unread.unread })}{unread.more ? "+" : ""}</span>}
        <div className="page-actions">
          <label className="checkbox">
            <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
            {t("unreadOnly")}
          </label>
          <button type="button" className="secondary" onClick={() => void markRead("all")} disabled={!items.some((n) => !n.read)} data-testid="notifications-read-all">
            {t("markAllRead")}
          </button>
        </div>
      </header>
      <p className="muted page-hint">{t("hint")}</p>
      <BrowserPermission />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!loading && !error && items.length === 0 && <p className="empty-note">{unreadOnly ? t("emptyUnread") : t("empty")}</p>}
      <ul className="notification-list" aria-busy={loading}>
        {items.map((item) => (
          <NotificationRow key={item.id} item={item} onOpen={() => open(item)} onRead={() => void markRead([item.id])} />
        ))}
      </ul>
      {next && (
        <button type="button" className="secondary more" disabled={loading} onClick={() => void load(next)}>
          {t("more")}
        </button>
      )}
    </div>
  );
}

function NotificationRow({ item, onOpen, onRead }: { item: NotificationItem; onOpen: () => void; onRead: () => void }) {
  const t = useT(notificationsMessages);
  const users = useApp((s) => s.users);
  const known = useApp((s) => s.conversations[item.conversation.id]);
  const authorId = item.message.author_id;
  const author = authorId ? users[authorId] : undefined;
  useEffect(() => {
    if (authorId && !author) void appStore().user(authorId);
  }, [authorId, author]);
  const who = author?.full_name || author?.login || t("someone");
  const where = known ? conversationTitle(known, users) : item.conversation.title || who;
  const text = item.message.deleted ? t("deleted") : preview(item.message);
  return (
    <li className={item.read ? "notification" : "notification unread"} data-testid="notification" data-read={item.read}>
      <a
        href={`/c/${item.conversation.id}?m=${item.message.id}`}
        className="notification-main"
        onClick={(e) => {
          e.preventDefault();
          onOpen();
        }}
      >
        <span className="notification-top">
          <span className={`kind kind-${item.kind}`}>{t(`kind_${item.kind}`)}</span>
          <span className="where">{where}</span>
          <time dateTime={item.created_at} title={formatDateTime(item.created_at)}>
            {formatListTime(item.created_at)}
          </time>
        </span>
        <span className="notification-text">
          <span className="who">{who}:</span> {text}
        </span>
      </a>
      {!item.read && (
        <button type="button" className="secondary small" aria-label={t("markReadLabel", { what: `${where}, ${who}` })} onClick={onRead}>
          {t("markRead")}
        </button>
      )}
    </li>
  );
}

/** The button that asks for the browser's permission (never asked on load). */
export function BrowserPermission({ level = 2 }: { level?: 2 | 3 }) {
  const t = useT(notificationsMessages);
  const [permission, setPermission] = useState<Permission>(notificationPermission);
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <div className="browser-permission" data-testid="browser-permission" data-permission={permission}>
      <Heading className="field-title">{t("browserTitle")}</Heading>
      <p className="muted">{t("browserHint")}</p>
      {permission === "default" && (
        <button type="button" className="secondary" onClick={() => void askPermission().then(setPermission)}>
          {t("browserAsk")}
        </button>
      )}
      {permission === "granted" && <p role="status">{t("browserGranted")}</p>}
      {permission === "denied" && <p role="status">{t("browserDenied")}</p>}
      {permission === "unsupported" && <p role="status">{t("browserUnsupported")}</p>}
    </div>
  );
}
