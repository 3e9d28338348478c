import { useState } from "react";
import { useLanguage, useT } from "../../i18n/index.js";
import { CATEGORIES, EMOJI, searchEmoji, type EmojiCategory } from "./emoji.js";
import { conversationMessages, type ConversationKey } from "./messages.js";

const CATEGORY_KEYS: Record<EmojiCategory, ConversationKey> = {
  smileys: "catSmileys",
  people: "catPeople",
  nature: "catNature",
  food: "catFood",
  activity: "catActivity",
  objects: "catObjects",
  symbols: "catSymbols",
};

/** The bundled emoji picker: search by Russian or English name, or browse by category. */
export function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const t = useT(conversationMessages);
  const language = useLanguage();
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState<EmojiCategory>("smileys");
  const shown = query.trim() ? searchEmoji(query) : EMOJI[category];
  return (
    <div className="emoji-picker" data-testid="emoji-picker">
      <input
        type="search"
        className="emoji-search"
        aria-label={t("emojiSearch")}
        placeholder={t("emojiSearch")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {!query.trim() && (
        <div className="emoji-tabs" role="tablist" aria-label={t("emoji")}>
          {CATEGORIES.map((c) => (
            <button
              key={c}
              type="button"
              role="tab"
              aria-selected={c === category}
              className={c === category ? "emoji-tab active" : "emoji-tab"}
              title={t(CATEGORY_KEYS[c])}
              aria-label={t(CATEGORY_KEYS[c])}
              onClick={() => setCategory(c)}
            >
              {EMOJI[c][0]!.char}
            </button>
          ))}
        </div>
      )}
      <div className="emoji-grid" role="group" aria-label={query.trim() ? t("emojiSearch") : t(CATEGORY_KEYS[category])}>
        {shown.map((e) => (
          <button key={e.char} type="button" className="emoji-cell" title={language === "ru" ? e.ru : e.en} aria-label={language === "ru" ? e.ru : e.en} onClick={() => onPick(e.char)}>
            {e.char}
          </button>
        ))}
        {shown.length === 0 && <p className="muted">{t("emojiNothing")}</p>}
      </div>
    </div>
  );
}
