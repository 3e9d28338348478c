/**
 * The one i18n layer: every text a person reads goes through `t`. Russian is the default,
 * English is switchable at run time. Each feature keeps its own catalog next to its code
 * (`messages.ts`, built with `defineMessages`), so that a screen and its texts move together
 * and TypeScript checks that the English catalog has exactly the Russian keys.
 *
 * Plurals follow CLDR through Intl.PluralRules: a plural text is an object with the forms the
 * language uses (`one`/`few`/`many`/`other` in Russian: 1 сообщение, 2 сообщения,
 * 5 сообщений; `one`/`other` in English), and `{count}` is replaced by the formatted number.
 */
import { useSyncExternalStore } from "react";

export type Language = "ru" | "en";
export const LANGUAGES: readonly Language[] = ["ru", "en"];

export interface RussianPlural {
  one: string;
  few: string;
  many: string;
  /** Fractions; "few" when absent. */
  other?: string;
}
export interface EnglishPlural {
  one: string;
  other: string;
}
type RuEntry = string | RussianPlural;
type EnglishOf<E> = E extends string ? string : EnglishPlural;

export type Catalog<R extends Record<string, RuEntry>> = {
  ru: R;
  en: { [K in keyof R]: EnglishOf<R[K]> };
};

export type Params = Record<string, string | number>;
export type Translate<K extends string> = (key: K, params?: Params) => string;

export function defineMessages<const R extends Record<string, RuEntry>>(
  ru: R,
  en: { [K in keyof R]: EnglishOf<R[K]> },
): Catalog<R> {
  return { ru, en };
}

const STORAGE_KEY = "portal.language";
const listeners = new Set<() => void>();
let current: Language = initialLanguage();

function initialLanguage(): Language {
  try {
    const kept = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (kept === "ru" || kept === "en") return kept;
  } catch {
    // storage unavailable (private mode): the default
  }
  return "ru";
}

/** The profile's language, unless this device was switched by hand (that choice wins). */
export function adoptProfileLanguage(language: string | null | undefined): void {
  let chosen: string | null = null;
  try {
    chosen = globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    // storage unavailable: nothing was chosen here
  }
  if (chosen === null && (language === "ru" || language === "en")) setLanguage(language, { remember: false });
}

export function getLanguage(): Language {
  return current;
}

/** Switch every screen at once (and, unless told not to, remember it on this device). */
export function setLanguage(language: Language, { remember = true } = {}): void {
  if (remember) {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, language);
    } catch {
      // not kept; still applied
    }
  }
  if (language === current) return;
  current = language;
  if (typeof document !== "undefined") document.documentElement.lang = language;
  for (const listener of listeners) listener();
}

export function subscribeLanguage(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useLanguage(): Language {
  return useSyncExternalStore(subscribeLanguage, getLanguage, getLanguage);
}

const pluralRules = new Map<Language, Intl.PluralRules>();
function pluralForm(language: Language, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(language);
  if (!rules) pluralRules.set(language, (rules = new Intl.PluralRules(language)));
  return rules.select(count);
}

/** Translate outside React (a title, a notification); `useT` inside components. */
export function translate<R extends Record<string, RuEntry>>(
  catalog: Catalog<R>,
  language: Language,
  key: keyof R & string,
  params: Params = {},
): string {
  const entry = (catalog[language] as Record<string, RuEntry | EnglishPlural>)[key] ?? catalog.ru[key];
  if (entry === undefined) return key;
  let text: string;
  if (typeof entry === "string") {
    text = entry;
  } else {
    const count = Number(params["count"] ?? 0);
    const forms = entry as unknown as Partial<Record<Intl.LDMLPluralRule, string>>;
    // Russian fractions take "other", which reads like "few" (1,5 сообщения).
    text = forms[pluralForm(language, count)] ?? forms.other ?? forms.few ?? "";
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(value, language) : value;
  });
}

export function useT<R extends Record<string, RuEntry>>(catalog: Catalog<R>): Translate<keyof R & string> {
  const language = useLanguage();
  return (key, params) => translate(catalog, language, key, params);
}

export function formatNumber(value: number, language: Language = current): string {
  return new Intl.NumberFormat(language === "ru" ? "ru-RU" : "en-GB").format(value);
}
