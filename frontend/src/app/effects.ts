/**
 * What the app does outside its screens: the unread count in the tab title, reconnecting when
 * the network returns, presence when the tab is hidden, and the IT department's remote
 * commands for this device (docs/api.md, "Carry out remote commands").
 */
import { getLanguage, setLanguage, subscribeLanguage, translate } from "../i18n/index.js";
import { common } from "../ui/messages.js";
import type { AppStore } from "./store.js";

export function startEffects(store: AppStore): void {
  const client = store.client;

  const title = () => {
    const state = store.getState();
    const unread = Object.values(state.conversations).reduce((sum, c) => sum + (isMuted(c.muted_until) ? 0 : c.unread), 0);
    const language = getLanguage();
    document.title = unread > 0 ? translate(common, language, "unreadTitle", { count: unread }) : translate(common, language, "appName");
  };
  store.subscribe(title);
  subscribeLanguage(title);
  title();

  // The browser knows before the socket does: stop at once (sends wait in the outbox,
  // nothing is tried against a dead network) and resume from the last event when back.
  window.addEventListener("offline", () => {
    if (client.state.status === "online" || client.state.status === "connecting" || client.state.status === "reconnecting") client.disconnect();
  });
  window.addEventListener("online", () => {
    if (client.state.status === "stopped") client.connect();
    else client.networkAvailable();
  });
  // A second tab signed in or out, refreshed the tokens, or switched the language.
  window.addEventListener("storage", (event) => {
    if (event.key === null || event.key === "portal.tokens") void client.storageChanged();
    if (event.key === "portal.language" && (event.newValue === "ru" || event.newValue === "en")) {
      setLanguage(event.newValue, { remember: false });
      client.setLanguage(event.newValue);
    }
  });
  document.addEventListener("visibilitychange", () => {
    client.setPresence(document.visibilityState === "visible" ? "online" : "away");
  });

  client.on("event", ({ event }) => {
    if (event.type !== "device" || event.op !== "command") return;
    const { device_id: deviceId, command } = event as { device_id?: string; command?: { id: string; kind: string; message?: string } };
    if (!command || deviceId !== client.sessionDeviceId) return;
    void carryOut(store, command);
  });
}

async function carryOut(store: AppStore, command: { id: string; kind: string; message?: string }): Promise<void> {
  const client = store.client;
  const ack = (result: string) =>
    client.request("POST", `/api/v1/devices/commands/${encodeURIComponent(command.id)}/ack`, { result }).catch(() => undefined);
  switch (command.kind) {
    case "message":
      await ack("shown");
      window.alert(command.message ?? "");
      return;
    case "refresh_policy":
      await ack("done");
      return;
    case "wipe":
      await ack("done");
      await client.signOut();
      wipeLocalData();
      return;
    case "lock":
    case "logout":
      await ack("done");
      await client.signOut();
      return;
  }
}

/** Everything this origin keeps in the browser, except the chosen language. */
function wipeLocalData(): void {
  const language = window.localStorage.getItem("portal.language");
  window.localStorage.clear();
  window.sessionStorage.clear();
  if (language) window.localStorage.setItem("portal.language", language);
}

export function isMuted(mutedUntil: string | null): boolean {
  return mutedUntil !== null && Date.parse(mutedUntil) > Date.now();
}
