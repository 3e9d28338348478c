"""Russian ↔ Latin transliteration for the staff directory (ГОСТ 52535.1-2006, as in passports)."""

from __future__ import annotations

_RU_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip


def to_latin(text: str) -> str:
    return "".join(_RU_TO_LAT.get(ch, ch) for ch in text.lower())


def search_text_for(*parts: str) -> str:
    """The text the directory matches queries against: Cyrillic and Latin forms, lower case."""
    original = " ".join(p for p in parts if p).lower()
    latin = to_latin(original)
    return original if latin == original else f"{original} {latin}"


def query_variants(query: str) -> list[str]:
    """A query as typed and its transliteration, so either alphabet finds both."""
    q = " ".join(query.lower().split())
    latin = to_latin(q)
    return [q] if latin == q else [q, latin]
