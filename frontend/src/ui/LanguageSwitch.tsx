import { LANGUAGES, setLanguage, useLanguage, type Language } from "../i18n/index.js";
import { appStore } from "../app/store.js";

const NAMES: Record<Language, string> = { ru: "Русский", en: "English" };

/** Switch the interface language; the server's texts follow (Accept-Language). */
export function LanguageSwitch() {
  const language = useLanguage();
  return (
    <div className="language-switch" role="group" aria-label="Язык / Language">
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          lang={code}
          className={code === language ? "chip active" : "chip"}
          aria-pressed={code === language}
          onClick={() => {
            setLanguage(code);
            appStore().client.setLanguage(code);
          }}
        >
          {NAMES[code]}
        </button>
      ))}
    </div>
  );
}
