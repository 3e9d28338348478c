/** The one PortalClient of this browser tab. */
import { PortalClient, type KeyValueStorage } from "../realtime/index.js";
import { getLanguage } from "../i18n/index.js";

export const APP_VERSION = "0.1.0";

function browserStorage(): KeyValueStorage {
  try {
    const probe = "portal.probe";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    // Storage refused (private mode, policy): the session lasts as long as the tab.
    const memory = new Map<string, string>();
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => void memory.set(key, value),
      removeItem: (key) => void memory.delete(key),
    };
  }
}

export function createClient(): PortalClient {
  return new PortalClient({
    baseUrl: window.location.origin,
    storage: browserStorage(),
    device: { platform: "web", model: browserName(), os_version: "", app_version: APP_VERSION },
    language: getLanguage(),
  });
}

function browserName(): string {
  const agent = navigator.userAgent;
  const match = /(Firefox|Edg|YaBrowser|OPR|Chrome|Chromium|Safari)\/([\d.]+)/.exec(agent);
  return match ? `${match[1]} ${match[2]!.split(".")[0]}` : "Browser";
}
