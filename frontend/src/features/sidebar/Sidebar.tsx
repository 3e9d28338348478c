import { useMemo } from "react";
import { useT } from "../../i18n/index.js";
import { navigate, useRoute } from "../../app/router.js";
import { useApp } from "../../app/store.js";
import type { Conversation, User } from "../../app/model.js";
import { sidebarMessages } from "./messages.js";

/** The conversation list (the sidebar feature grows from here). */
export function Sidebar() {
  const t = useT(sidebarMessages);
  const conversations = useApp((s) => s.conversations);
  const users = useApp((s) => s.users);
  const route = useRoute();
  const current = route.name === "conversation" ? route.id : null;
  const list = useMemo(() => sortConversations(Object.values(conversations)), [conversations]);
  return (
    <nav className="sidebar" aria-label={t("title")}>
      <ul className="conversation-list">
        {list.map((c) => (
          <li key={c.id}>
            <a
              href={`/c/${c.id}`}
              className={c.id === current ? "conversation-item active" : "conversation-item"}
              aria-current={c.id === current ? "page" : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate({ name: "conversation", id: c.id, message: null, thread: null });
              }}
            >
              <span className="title">{conversationTitle(c, users)}</span>
              {c.unread > 0 && <span className="badge" aria-label={t("unread", { count: c.unread })}>{c.unread}</span>}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function sortConversations(list: Conversation[]): Conversation[] {
  return list.slice().sort((a, b) => Number(b.pinned) - Number(a.pinned) || (b.last_message_at ?? "").localeCompare(a.last_message_at ?? ""));
}

/** A direct chat is named after the other person. */
export function conversationTitle(conversation: Conversation, users: Readonly<Record<string, User>>): string {
  if (conversation.kind === "direct" && conversation.peer_id) {
    const peer = users[conversation.peer_id];
    return peer?.full_name || peer?.login || "…";
  }
  return conversation.title;
}
