import { useT } from "../i18n/index.js";
import { ConnectionBanner } from "../ui/ConnectionBanner.js";
import { common } from "../ui/messages.js";
import { Sidebar } from "../features/sidebar/Sidebar.js";
import { ConversationView } from "../features/conversation/ConversationView.js";
import { useRoute } from "./router.js";
import { NotFound } from "./NotFound.js";
import { Home } from "./Home.js";

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
          {route.name === "not_found" && <NotFound />}
          {route.name !== "home" && route.name !== "conversation" && route.name !== "not_found" && <Home />}
        </main>
      </div>
    </div>
  );
}
