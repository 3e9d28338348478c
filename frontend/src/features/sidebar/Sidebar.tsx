import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useT, type Translate } from "../../i18n/index.js";
import { formatListTime } from "../../i18n/format.js";
import { navigate, useRoute, type Route } from "../../app/router.js";
import { appStore, useApp } from "../../app/store.js";
import type { Conversation, Presence, User } from "../../app/model.js";
import { Avatar } from "../../ui/Avatar.js";
import { errorMessage } from "../../ui/errors.js";
import { Menu, type MenuItem } from "./Menu.js";
import { Icon } from "./icons.js";
import { SidebarHeader } from "./SidebarHeader.js";
import { NewChatDialog } from "./NewChatDialog.js";
import { DiscoverDialog } from "./DiscoverDialog.js";
import { leaveConversation, markAllRead, updateMemberSettings } from "./actions.js";
import { conversationTitle, isMuted, messagePreview, muteUntil, sections, type MuteChoice, type Preview } from "./list.js";
import { sidebarMessages } from "./messages.js";
import "./sidebar.css";

export { conversationTitle, sortConversations } from "./list.js";

type T = Translate<keyof (typeof sidebarMessages)["ru"] & string>;

const ARCHIVE_KEY = "portal.sidebar.archiveOpen";

/** The conversation list: filter, sections (pinned on top, the archive folded), actions. */
export function Sidebar() {
  const t = useT(sidebarMessages);
  const conversations = useApp((s) => s.conversations);
  const users = useApp((s) => s.users);
  const presence = useApp((s) => s.presence);
  const me = useApp((s) => s.me);
  const synced = useApp((s) => s.synced);
  const route = useRoute();
  const current = route.name === "conversation" ? route.id : null;
  const [query, setQuery] = useState("");
  const serverIds = useServerFilter(query);
  const [archiveOpen, setArchiveOpen] = useState(() => sessionStorage.getItem(ARCHIVE_KEY) === "1");
  const [dialog, setDialog] = useState<"new" | "discover" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLElement>(null);

  const all = useMemo(() => Object.values(conversations), [conversations]);
  const { main, archived } = useMemo(() => sections(all, users, query, serverIds), [all, users, query, serverIds]);
  const showArchive = archiveOpen || (query.trim() !== "" && archived.length > 0);
  const visible = showArchive ? [...main, ...archived] : main;

  useUnknownUsers(all, users);

  // Ctrl+K: the filter; Alt+↑/↓: the previous / next chat, wherever the focus is.
  const visibleRef = useRef(visible);
  visibleRef.current = visible;
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
      } else if (event.altKey && !event.ctrlKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        const list = visibleRef.current;
        if (!list.length) return;
        event.preventDefault();
        const at = list.findIndex((c) => c.id === currentConversation());
        const next = at < 0 ? (event.key === "ArrowDown" ? 0 : list.length - 1) : at + (event.key === "ArrowDown" ? 1 : -1);
        const target = list[Math.max(0, Math.min(list.length - 1, next))];
        if (target) open(target.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  function focusItem(index: number) {
    const links = listRef.current?.querySelectorAll<HTMLAnchorElement>("a.conversation-item");
    if (!links?.length) return;
    links[Math.max(0, Math.min(links.length - 1, index))]?.focus();
  }

  function onListKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.altKey || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    const links = [...(listRef.current?.querySelectorAll<HTMLAnchorElement>("a.conversation-item") ?? [])];
    const index = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (index < 0) return; // inside a menu: the menu handles arrows
    event.preventDefault();
    if (event.key === "ArrowUp" && index === 0) filterRef.current?.focus();
    else focusItem(index + (event.key === "ArrowDown" ? 1 : -1));
  }

  function toggleArchive() {
    setArchiveOpen((value) => {
      sessionStorage.setItem(ARCHIVE_KEY, value ? "0" : "1");
      return !value;
    });
  }

  async function act(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const itemProps = { t, users, presence, meId: me?.id ?? null, current, act };

  return (
    <div className="sidebar" data-testid="sidebar">
      <SidebarHeader />
      <div className="sidebar-tools">
        <div className="sidebar-filter">
          <label className="visually-hidden" htmlFor="sidebar-filter">
            {t("filterLabel")}
          </label>
          <input
            id="sidebar-filter"
            ref={filterRef}
            type="search"
            value={query}
            placeholder={t("filterPlaceholder")}
            autoComplete="off"
            data-testid="sidebar-filter"
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                focusItem(0);
              } else if (e.key === "Enter" && visible[0]) {
                e.preventDefault();
                open(visible[0].id);
              } else if (e.key === "Escape" && query) {
                e.preventDefault();
                setQuery("");
              }
            }}
          />
        </div>
        <div className="sidebar-actions">
          <button type="button" className="primary" data-testid="new-chat-button" onClick={() => setDialog("new")}>
            {t("newChat")}
          </button>
          <button type="button" className="secondary" data-testid="discover-button" onClick={() => setDialog("discover")}>
            {t("discover")}
          </button>
        </div>
      </div>
      {error && (
        <p className="error sidebar-error" role="alert" data-testid="sidebar-error">
          {error}
        </p>
      )}
      <nav className="conversation-scroll" aria-label={t("title")} ref={listRef} onKeyDown={onListKeyDown}>
        {synced && all.length === 0 && <p className="sidebar-empty muted" data-testid="sidebar-empty">{t("emptyList")}</p>}
        {all.length > 0 && main.length === 0 && archived.length === 0 && (
          <p className="sidebar-empty muted" data-testid="sidebar-empty" role="status">
            {t("emptyFilter")}
          </p>
        )}
        {main.length > 0 && (
          <ul className="conversation-list" aria-label={t("title")} data-testid="conversation-list">
            {main.map((c) => (
              <ConversationItem key={c.id} conversation={c} {...itemProps} />
            ))}
          </ul>
        )}
        {archived.length > 0 && (
          <section className="archive-section" aria-labelledby="archive-toggle">
            <button
              type="button"
              id="archive-toggle"
              className="archive-toggle"
              aria-expanded={showArchive}
              aria-controls="archive-list"
              data-testid="archive-toggle"
              onClick={toggleArchive}
            >
              <span aria-hidden="true">{showArchive ? "▾" : "▸"}</span> {t("archiveCount", { count: archived.length })}
            </button>
            {showArchive && (
              <ul className="conversation-list" id="archive-list" aria-label={t("archive")} data-testid="archive-list">
                {archived.map((c) => (
                  <ConversationItem key={c.id} conversation={c} {...itemProps} />
                ))}
              </ul>
            )}
          </section>
        )}
      </nav>
      {dialog === "new" && <NewChatDialog onClose={() => setDialog(null)} />}
      {dialog === "discover" && <DiscoverDialog onClose={() => setDialog(null)} />}
    </div>
  );
}

function currentConversation(): string | null {
  const path = /^\/c\/([0-9a-fA-F-]{36})/.exec(window.location.pathname);
  return path ? path[1]! : null;
}

function open(id: string) {
  const route: Route = { name: "conversation", id, message: null, thread: null };
  navigate(route);
}

interface ItemProps {
  conversation: Conversation;
  t: T;
  users: Readonly<Record<string, User>>;
  presence: Readonly<Record<string, Presence>>;
  meId: string | null;
  current: string | null;
  act: (action: () => Promise<void>) => Promise<void>;
}

function ConversationItem({ conversation: c, t, users, presence, meId, current, act }: ItemProps) {
  const title = conversationTitle(c, users);
  const muted = isMuted(c);
  const peer = c.kind === "direct" && c.peer_id ? users[c.peer_id] : undefined;
  const peerPresence = c.kind === "direct" && c.peer_id ? presence[c.peer_id] : undefined;
  const preview = messagePreview(c, c.last_message, users, meId);
  const time = c.last_message_at ?? c.last_message?.created_at ?? null;
  const active = c.id === current;
  const mute = (choice: MuteChoice) => () => void act(() => updateMemberSettings(c.id, { muted_until: muteUntil(choice) }));

  const items: MenuItem[] = [
    { key: "pin", label: c.pinned ? t("unpin") : t("pin"), testId: "menu-pin", onSelect: () => void act(() => updateMemberSettings(c.id, { pinned: !c.pinned })) },
    ...(muted
      ? [{ key: "unmute", label: t("unmute"), testId: "menu-unmute", onSelect: () => void act(() => updateMemberSettings(c.id, { muted_until: null })) }]
      : [
          { key: "mute1h", label: t("mute1h"), testId: "menu-mute-1h", onSelect: mute("1h") },
          { key: "mute8h", label: t("mute8h"), testId: "menu-mute-8h", onSelect: mute("8h") },
          { key: "mute1d", label: t("mute1d"), testId: "menu-mute-1d", onSelect: mute("1d") },
          { key: "muteForever", label: t("muteForever"), testId: "menu-mute-forever", onSelect: mute("forever") },
        ]),
    {
      key: "archive",
      label: c.archived ? t("fromArchive") : t("toArchive"),
      testId: "menu-archive",
      onSelect: () => void act(() => updateMemberSettings(c.id, { archived: !c.archived })),
    },
    ...(c.unread > 0 ? [{ key: "read", label: t("markRead"), testId: "menu-mark-read", onSelect: () => void act(() => markAllRead(c.id)) }] : []),
    ...(c.kind !== "direct" && c.role !== "owner"
      ? [
          {
            key: "leave",
            label: t("leave"),
            danger: true,
            testId: "menu-leave",
            onSelect: () => {
              if (!window.confirm(t("leaveConfirm", { title }))) return;
              void act(async () => {
                await leaveConversation(c.id);
                if (currentConversation() === c.id) navigate({ name: "home" });
              });
            },
          },
        ]
      : []),
  ];

  const status: string[] = [];
  if (c.pinned) status.push(t("pinned"));
  if (muted) status.push(t("muted"));
  if (peerPresence === "online" || peerPresence === "away") status.push(t(peerPresence));

  return (
    <li
      className={["conversation-row", active ? "active" : "", c.unread > 0 ? "has-unread" : ""].join(" ")}
      data-testid="conversation-item"
      data-id={c.id}
      data-title={title}
      data-pinned={c.pinned ? "true" : "false"}
      data-muted={muted ? "true" : "false"}
      data-archived={c.archived ? "true" : "false"}
    >
      <a
        href={`/c/${c.id}`}
        className="conversation-item"
        aria-current={active ? "page" : undefined}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          open(c.id);
        }}
      >
        <Avatar user={peer ?? null} name={title} id={c.id} size={40} presence={peerPresence} />
        <span className="conversation-text">
          <span className="conversation-line">
            <span className="title">{title}</span>
            {c.pinned && (
              <span className="mark" title={t("pinned")} data-testid="pinned-icon">
                <Icon name="pin" size={14} />
              </span>
            )}
            {muted && (
              <span className="mark" title={t("muted")} data-testid="muted-icon">
                <Icon name="muted" size={14} />
              </span>
            )}
            {time && (
              <time className="conversation-time" dateTime={time}>
                {formatListTime(time)}
              </time>
            )}
          </span>
          <span className="conversation-line">
            <span className="preview" data-testid="conversation-preview">
              <PreviewText preview={preview} t={t} />
            </span>
            {c.mentions > 0 && (
              <span className={muted ? "badge mention-badge muted-badge" : "badge mention-badge"} data-testid="mention-badge" aria-label={t("mentions", { count: c.mentions })}>
                @
              </span>
            )}
            {c.unread > 0 && (
              <span className={muted ? "badge muted-badge" : "badge"} data-testid="unread-badge" aria-label={t("unread", { count: c.unread })}>
                {c.unread > 999 ? "999+" : c.unread}
              </span>
            )}
          </span>
          {status.length > 0 && <span className="visually-hidden">{`, ${status.join(", ")}`}</span>}
        </span>
      </a>
      <Menu label={t("itemMenu", { title })} items={items} className="icon item-menu-button" testId="item-menu-button">
        <Icon name="more" size={18} />
      </Menu>
    </li>
  );
}

function PreviewText({ preview, t }: { preview: Preview | null; t: T }) {
  if (!preview) return <span className="muted">{t("noMessages")}</span>;
  const body = preview.body.kind === "text" ? preview.body.text : t(preview.body.key, preview.body.params);
  return (
    <>
      {preview.author && <span className="preview-author">{preview.author === "you" ? t("you") : preview.author}: </span>}
      {body}
    </>
  );
}

/** Ids the server's `?q=` found (it also matches names typed in Latin letters), or null. */
function useServerFilter(query: string): ReadonlySet<string> | null {
  const [found, setFound] = useState<{ query: string; ids: ReadonlySet<string> } | null>(null);
  useEffect(() => {
    const q = query.trim();
    if (!q) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      appStore()
        .client.request<{ results: { id: string }[] }>("GET", `/api/v1/conversations?q=${encodeURIComponent(q)}`)
        .then(({ data }) => {
          if (!cancelled) setFound({ query: q, ids: new Set(data.results.map((c) => c.id)) });
        })
        .catch(() => undefined); // the local filter still answers
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);
  return found && found.query === query.trim() ? found.ids : null;
}

const asked = new Set<string>();

/** Direct-chat partners and last-message authors the state does not know yet: fetched once. */
function useUnknownUsers(conversations: Conversation[], users: Readonly<Record<string, User>>) {
  useEffect(() => {
    const wanted = new Set<string>();
    for (const c of conversations) {
      if (c.peer_id && !users[c.peer_id]) wanted.add(c.peer_id);
      const author = c.last_message?.author_id;
      if (author && !users[author]) wanted.add(author);
      const system = (c.last_message as unknown as { system?: { user?: unknown } } | null | undefined)?.system;
      if (system && typeof system.user === "string" && !users[system.user]) wanted.add(system.user);
    }
    for (const id of wanted) {
      if (asked.has(id)) continue;
      asked.add(id);
      void appStore().user(id);
    }
  }, [conversations, users]);
}
