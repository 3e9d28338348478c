import { useEffect, type ComponentType } from "react";
import { useT } from "../../i18n/index.js";
import { navigate } from "../../app/router.js";
import { LanguageSection } from "./LanguageSection.js";
import { NotificationSettings } from "./NotificationSettings.js";
import { PasswordSection } from "./PasswordSection.js";
import { ProfileSection } from "./ProfileSection.js";
import { SecuritySection } from "./SecuritySection.js";
import { SessionsSection } from "./SessionsSection.js";
import { settingsMessages } from "./messages.js";
import "./settings.css";

export const SETTINGS_SECTIONS = ["profile", "password", "language", "notifications", "security", "sessions"] as const;
type Section = (typeof SETTINGS_SECTIONS)[number];

const SCREENS: Record<Section, ComponentType> = {
  profile: ProfileSection,
  password: PasswordSection,
  language: LanguageSection,
  notifications: NotificationSettings,
  security: SecuritySection,
  sessions: SessionsSection,
};

function isSection(name: string): name is Section {
  return (SETTINGS_SECTIONS as readonly string[]).includes(name);
}

/** The user's settings, one section at a time (`/settings/<section>`), the sections listed on the left. */
export function SettingsScreen({ section }: { section: string }) {
  const t = useT(settingsMessages);
  const current: Section = isSection(section) ? section : "profile";
  useEffect(() => {
    if (!isSection(section)) navigate({ name: "settings", section: "profile" }, { replace: true });
  }, [section]);
  const Screen = SCREENS[current];
  return (
    <div className="settings" data-testid="settings" data-section={current}>
      <nav className="settings-nav" aria-labelledby="settings-title">
        <h1 id="settings-title">{t("title")}</h1>
        <ul>
          {SETTINGS_SECTIONS.map((name) => (
            <li key={name}>
              <a
                href={`/settings/${name}`}
                aria-current={name === current ? "page" : undefined}
                className={name === current ? "active" : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ name: "settings", section: name });
                }}
              >
                {t(`section_${name}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section className="settings-panel" aria-labelledby="settings-section-title">
        <h2 id="settings-section-title">{t(`section_${current}`)}</h2>
        <Screen key={current} />
      </section>
    </div>
  );
}
