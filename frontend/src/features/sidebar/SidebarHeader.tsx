import { useEffect, useState } from "react";
import { useT } from "../../i18n/index.js";
import { navigate, useRoute, type Route } from "../../app/router.js";
import { appStore, useApp } from "../../app/store.js";
import { Avatar } from "../../ui/Avatar.js";
import { Menu } from "./Menu.js";
import { Icon, type IconName } from "./icons.js";
import { sidebarMessages } from "./messages.js";
import { useInboxCount } from "../../approvals/inbox.js";

/** The signed-in person (menu: settings, sign out) and the links to the other screens. */
export function SidebarHeader() {
  const t = useT(sidebarMessages);
  const me = useApp((s) => s.me);
  const route = useRoute();
  const notifications = useUnreadNotifications(route.name);
  const approvals = useInboxCount();
  const name = me?.full_name || me?.login || "";
  const links: { route: Route; label: string; icon: IconName; testId: string; count?: number; countLabel?: string; also?: string[] }[] = [
    { route: { name: "documents" }, label: t("navDocuments"), icon: "folder", testId: "nav-documents", also: ["folder", "document"] },
    { route: { name: "approvals" }, label: t("navApprovals"), icon: "check", testId: "nav-approvals", count: approvals, countLabel: t("approvalCount", { count: approvals }) },
    { route: { name: "calls" }, label: t("navCalls"), icon: "phone", testId: "nav-calls" },
    { route: { name: "conferences" }, label: t("navConferences"), icon: "video", testId: "nav-conferences", also: ["conference"] },
    { route: { name: "search", query: "" }, label: t("navSearch"), icon: "search", testId: "nav-search" },
    { route: { name: "directory", userId: null }, label: t("navDirectory"), icon: "people", testId: "nav-directory" },
    { route: { name: "notifications" }, label: t("navNotifications"), icon: "bell", testId: "nav-notifications", count: notifications },
    { route: { name: "settings", section: "profile" }, label: t("navSettings"), icon: "gear", testId: "nav-settings" },
  ];
  const paths = { search: "/search", directory: "/directory", notifications: "/notifications", settings: "/settings", documents: "/documents", approvals: "/approvals", calls: "/calls", conferences: "/conferences" } as Record<string, string>;
  return (
    <div className="sidebar-header">
      <Menu
        label={t("userMenu", { name })}
        className="user-button"
        testId="user-menu"
        namedByContent
        items={[
          { key: "settings", label: t("settings"), testId: "user-menu-settings", onSelect: () => navigate({ name: "settings", section: "profile" }) },
          { key: "signout", label: t("signOut"), testId: "user-menu-signout", onSelect: () => void appStore().client.signOut() },
        ]}
      >
        <Avatar user={me} size={32} />
        <span className="user-name">{name}</span>
      </Menu>
      <nav aria-label={t("navigation")}>
      <ul className="sidebar-nav">
        {links.map((link) => {
          const active = route.name === link.route.name || (link.also ?? []).includes(route.name);
          const count = link.count ?? 0;
          const label = count > 0 ? `${link.label}: ${link.countLabel ?? t("notificationCount", { count })}` : link.label;
          return (
            <li key={link.testId}>
              <a
                href={paths[link.route.name]}
                className={active ? "nav-link active" : "nav-link"}
                aria-current={active ? "page" : undefined}
                aria-label={label}
                title={link.label}
                data-testid={link.testId}
                onClick={(e) => {
                  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  navigate(link.route);
                }}
              >
                <Icon name={link.icon} size={20} />
                {count > 0 && (
                  <span className="badge nav-badge" aria-hidden="true" data-testid={link.testId === "nav-notifications" ? "notification-count" : `${link.testId}-count`}>
                    {count > 99 ? "99+" : count}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
      </nav>
    </div>
  );
}

/** How many unread notifications there are (up to 100): asked on every screen change and
 * whenever the unread mentions or direct messages change (new notifications come with them). */
function useUnreadNotifications(routeName: string): number {
  const [count, setCount] = useState(0);
  const signal = useApp((s) => {
    let mentions = 0;
    let direct = 0;
    for (const c of Object.values(s.conversations)) {
      mentions += c.mentions;
      if (c.kind === "direct") direct += c.unread;
    }
    return `${mentions}:${direct}`;
  });
  const online = useApp((s) => s.connection.status === "online");
  useEffect(() => {
    if (!online) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      appStore()
        .client.request<{ results: unknown[]; next: string | null }>("GET", "/api/v1/notifications?unread=true&limit=100")
        .then(({ data }) => {
          if (!cancelled) setCount(data.next ? 100 : data.results.length);
        })
        .catch(() => undefined);
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [routeName, signal, online]);
  return count;
}
