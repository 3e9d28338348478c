import { useT } from "../i18n/index.js";
import { common } from "../ui/messages.js";
import { navigate } from "./router.js";

export function NotFound() {
  const t = useT(common);
  return (
    <div className="empty-state">
      <h1>{t("notFoundTitle")}</h1>
      <button type="button" className="primary" onClick={() => navigate({ name: "home" })}>
        {t("notFoundBack")}
      </button>
    </div>
  );
}
