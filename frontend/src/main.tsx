import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { getLanguage } from "./i18n/index.js";
import { App } from "./app/App.js";
import { createClient } from "./app/client.js";
import { startEffects } from "./app/effects.js";
import { startBrowserNotifications } from "./features/notifications/browser.js";
import { AppStore, setAppStore } from "./app/store.js";
import "./styles/app.css";

document.documentElement.lang = getLanguage();
const client = createClient();
const store = new AppStore(client);
setAppStore(store);
store.start();
startEffects(store);
startBrowserNotifications(store);
void client.init();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
