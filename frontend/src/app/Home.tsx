import { defineMessages, useT } from "../i18n/index.js";
import { useApp } from "./store.js";

const messages = defineMessages(
  { welcome: "Здравствуйте, {name}!", choose: "Выберите чат слева или начните новый." },
  { welcome: "Hello, {name}!", choose: "Choose a chat on the left or start a new one." },
);

/** No conversation open. */
export function Home() {
  const t = useT(messages);
  const me = useApp((s) => s.me);
  return (
    <div className="empty-state">
      <h1>{t("welcome", { name: me?.first_name || me?.full_name || me?.login || "" })}</h1>
      <p className="muted">{t("choose")}</p>
    </div>
  );
}
