import { lazy, Suspense } from "react";
import { useT } from "../i18n/index.js";
import { ConnectionBanner } from "../ui/ConnectionBanner.js";
import { common } from "../ui/messages.js";
import { Sidebar } from "../features/sidebar/Sidebar.js";
import { ConversationView } from "../features/conversation/ConversationView.js";
import { SettingsScreen } from "../features/settings/SettingsScreen.js";
import { DirectoryScreen } from "../features/directory/DirectoryScreen.js";
import { SearchScreen } from "../features/search/SearchScreen.js";
import { NotificationsScreen } from "../features/notifications/NotificationsScreen.js";
import { CallLayer } from "../calls/CallLayer.js";
import { CallHistoryScreen } from "../calls/HistoryScreen.js";
import { useRoute } from "./router.js";
import { NotFound } from "./NotFound.js";
import { Home } from "./Home.js";

// The documents, approval and conference screens are loaded when first opened.
const DocumentsHome = lazy(() => import("../documents/DocumentsScreen.js").then((m) => ({ default: m.DocumentsHome })));
const FolderScreen = lazy(() => import("../documents/DocumentsScreen.js").then((m) => ({ default: m.FolderScreen })));
const DocumentScreen = lazy(() => import("../documents/DocumentScreen.js").then((m) => ({ default: m.DocumentScreen })));
const ConferencesScreen = lazy(() => import("../conferences/ConferencesScreen.js").then((m) => ({ default: m.ConferencesScreen })));
const ConferenceScreen = lazy(() => import("../conferences/RoomScreen.js").then((m) => ({ default: m.ConferenceScreen })));
const InboxScreen = lazy(() => import("../approvals/InboxScreen.js").then((m) => ({ default: m.InboxScreen })));

/** The signed-in app: the sidebar and the screen of the current route. */
export function Shell() {
  const t = useT(common);
  const route = useRoute();
  return (
    <div className="shell" data-testid="app-shell" data-route={route.name}>
      <a className="skip-link" href="#content">
        {t("skipToContent")}
      </a>
      <ConnectionBanner />
      <div className="shell-body">
        <Sidebar />
        <main id="content" className="content" tabIndex={-1}>
          {route.name === "home" && <Home />}
          {route.name === "conversation" && <ConversationView key={route.id} id={route.id} thread={route.thread} message={route.message} />}
          {route.name === "settings" && <SettingsScreen section={route.section} />}
          {route.name === "directory" && <DirectoryScreen userId={route.userId} />}
          {route.name === "search" && <SearchScreen query={route.query} />}
          {route.name === "notifications" && <NotificationsScreen />}
          {route.name === "calls" && <CallHistoryScreen />}
          <Suspense fallback={<div className="splash" role="status">{t("loading")}</div>}>
            {route.name === "documents" && <DocumentsHome />}
            {route.name === "folder" && <FolderScreen key={route.id} id={route.id} />}
            {route.name === "document" && <DocumentScreen key={route.id} id={route.id} />}
            {route.name === "approvals" && <InboxScreen />}
            {route.name === "conferences" && <ConferencesScreen />}
            {route.name === "conference" && <ConferenceScreen key={route.id} id={route.id} />}
          </Suspense>
          {route.name === "not_found" && <NotFound />}
        </main>
      </div>
      <CallLayer />
    </div>
  );
}
