/**
 * Client routes, in the address bar so that links, reloads and the back button work.
 * Django answers the app's page for every one of them (portal/web/urls.py).
 */
import { useSyncExternalStore } from "react";

export type Route =
  | { name: "home" }
  | { name: "conversation"; id: string; message: string | null; thread: string | null }
  | { name: "search"; query: string }
  | { name: "directory"; userId: string | null }
  | { name: "notifications" }
  | { name: "settings"; section: string }
  | { name: "documents" }
  | { name: "folder"; id: string }
  | { name: "document"; id: string }
  | { name: "approvals" }
  | { name: "calls" }
  | { name: "conferences" }
  | { name: "conference"; id: string }
  | { name: "conference_guest" }
  | { name: "not_found" };

const UUID = "[0-9a-fA-F-]{36}";

export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  let match: RegExpExecArray | null;
  if (pathname === "/" || pathname === "") return { name: "home" };
  if ((match = new RegExp(`^/c/(${UUID})(?:/thread/(${UUID}))?/?$`).exec(pathname))) {
    return { name: "conversation", id: match[1]!, thread: match[2] ?? null, message: query.get("m") };
  }
  if (pathname === "/search") return { name: "search", query: query.get("q") ?? "" };
  if ((match = new RegExp(`^/directory(?:/(${UUID}))?/?$`).exec(pathname))) return { name: "directory", userId: match[1] ?? null };
  if (pathname === "/notifications") return { name: "notifications" };
  if (pathname === "/documents" || pathname === "/documents/") return { name: "documents" };
  if ((match = new RegExp(`^/documents/f/(${UUID})/?$`).exec(pathname))) return { name: "folder", id: match[1]! };
  if ((match = new RegExp(`^/documents/(${UUID})/?$`).exec(pathname))) return { name: "document", id: match[1]! };
  if (pathname === "/approvals" || pathname === "/approvals/") return { name: "approvals" };
  if (pathname === "/calls" || pathname === "/calls/") return { name: "calls" };
  if (pathname === "/conferences" || pathname === "/conferences/") return { name: "conferences" };
  if (pathname === "/conferences/guest" || pathname === "/conferences/guest/") return { name: "conference_guest" };
  if ((match = new RegExp(`^/conferences/(${UUID})/?$`).exec(pathname))) return { name: "conference", id: match[1]! };
  if ((match = /^\/settings(?:\/([a-z-]+))?\/?$/.exec(pathname))) return { name: "settings", section: match[1] ?? "profile" };
  return { name: "not_found" };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case "home":
      return "/";
    case "conversation":
      return `/c/${route.id}${route.thread ? `/thread/${route.thread}` : ""}${route.message ? `?m=${route.message}` : ""}`;
    case "search":
      return `/search?q=${encodeURIComponent(route.query)}`;
    case "directory":
      return route.userId ? `/directory/${route.userId}` : "/directory";
    case "notifications":
      return "/notifications";
    case "settings":
      return `/settings/${route.section}`;
    case "documents":
      return "/documents";
    case "folder":
      return `/documents/f/${route.id}`;
    case "document":
      return `/documents/${route.id}`;
    case "approvals":
      return "/approvals";
    case "calls":
      return "/calls";
    case "conferences":
      return "/conferences";
    case "conference":
      return `/conferences/${route.id}`;
    case "conference_guest":
      return "/conferences/guest";
    case "not_found":
      return "/";
  }
}

const listeners = new Set<() => void>();
let current = parseRoute(window.location.pathname, window.location.search);

window.addEventListener("popstate", () => {
  current = parseRoute(window.location.pathname, window.location.search);
  listeners.forEach((listener) => listener());
});

export function navigate(to: Route | string, { replace = false } = {}): void {
  const path = typeof to === "string" ? to : routePath(to);
  if (path !== window.location.pathname + window.location.search) {
    if (replace) window.history.replaceState(null, "", path);
    else window.history.pushState(null, "", path);
  }
  current = parseRoute(window.location.pathname, window.location.search);
  listeners.forEach((listener) => listener());
}

export function currentRoute(): Route {
  return current;
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
