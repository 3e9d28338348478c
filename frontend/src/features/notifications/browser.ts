/**
 * System notifications through the browser's own Notification API (no push service):
 * while this tab is hidden, a message for me (a mention, or a direct message in a chat I
 * have not muted, `rules.ts`) shows one; clicking it brings the tab forward and opens the
 * message. Permission is asked only from a button (`askPermission`), never on load.
 */
import { getLanguage, translate } from "../../i18n/index.js";
import type { AppStore } from "../../app/store.js";
import type { Message } from "../../app/model.js";
import { navigate } from "../../app/router.js";
import { conversationTitle } from "../sidebar/Sidebar.js";
import { notificationsMessages } from "./messages.js";
import { notificationKind, preview } from "./rules.js";

export type Permission = NotificationPermission | "unsupported";

export function notificationPermission(): Permission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Ask the browser for permission (call from a click). */
export async function askPermission(): Promise<Permission> {
  if (typeof Notification === "undefined") return "unsupported";
  return Notification.requestPermission();
}

export function startBrowserNotifications(store: AppStore): () => void {
  return store.client.on("event", ({ event }) => {
    if (event.type !== "message" || event.op !== "add") return;
    if (document.visibilityState !== "hidden" || notificationPermission() !== "granted") return;
    const message = (event as { message: Message }).message;
    const state = store.getState();
    const conversation = state.conversations[message.conversation_id];
    const kind = notificationKind(message, state.me, conversation);
    if (!kind || !conversation) return;
    void store.user(message.author_id!).then((author) => {
      const language = getLanguage();
      const title = conversationTitle(conversation, store.getState().users);
      const who = author?.full_name || author?.login || translate(notificationsMessages, language, "someone");
      const heading = kind === "direct" ? who : translate(notificationsMessages, language, "mentionTitle", { who, where: title });
      const notification = new Notification(heading, {
        body: preview(message, language),
        // One notification per message, even if two tabs of this browser both show it.
        tag: `portal-message-${message.id}`,
        lang: language,
      });
      notification.onclick = () => {
        window.focus();
        notification.close();
        navigate({ name: "conversation", id: message.conversation_id, message: message.id, thread: message.thread_root });
      };
    });
  });
}
