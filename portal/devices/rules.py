"""The rules a device policy can set: names, value types, defaults and validation.

A policy stores only the rules it sets; every other rule comes from a less specific
assignment or, failing all, from the default here. Adding a rule means adding it to
``RULES`` (and, if the server enforces it, to ``compliance.py``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

PLATFORMS = ("web", "android", "ios", "desktop", "other")
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


class RuleError(ValueError):
    """A rule value is invalid; the message says why."""


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise RuleError("expected true or false")
    return value


def _optional_positive_int(limit: int) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
            raise RuleError(f"expected a whole number from 1 to {limit}, or null")
        return value

    return check


def _version(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _VERSION.match(value):
        raise RuleError("expected a version like 2.4 or 2.4.1, or null")
    return value


def _platforms(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise RuleError(f"expected a non-empty list of platforms from {', '.join(PLATFORMS)}")
    unknown = [p for p in value if p not in PLATFORMS]
    if unknown:
        raise RuleError(f"unknown platforms: {', '.join(map(str, unknown))}")
    return sorted(set(value))


def _os_versions(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise RuleError('expected an object like {"android": "12", "ios": "16.4"}')
    result = {}
    for platform, version in value.items():
        if platform not in PLATFORMS:
            raise RuleError(f"unknown platform: {platform}")
        checked = _version(version)
        if checked:
            result[platform] = checked
    return result


def _networks(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise RuleError("expected a list of networks like 10.0.0.0/8")
    networks = []
    for item in value:
        try:
            networks.append(str(ipaddress.ip_network(str(item), strict=False)))
        except ValueError as exc:
            raise RuleError(f"not a network: {item}") from exc
    return networks


@dataclass(frozen=True)
class Rule:
    name: str
    label: Any
    default: Any
    validate: Callable[[Any], Any]
    # Enforced by the server (a device breaking it is refused) or only applied by the app.
    enforced: bool = False


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in [
        Rule("allowed_platforms", _("Allowed platforms"), list(PLATFORMS), _platforms, True),
        Rule("min_app_version", _("Minimum app version"), None, _version, True),
        Rule("min_os_version", _("Minimum OS version per platform"), {}, _os_versions, True),
        Rule("screen_lock_required", _("Screen lock required"), False, _bool, True),
        Rule("refuse_rooted", _("Refuse rooted or jailbroken devices"), False, _bool, True),
        Rule("encryption_required", _("Device encryption required"), False, _bool, True),
        Rule(
            "max_session_age_hours",
            _("Maximum session age, hours"),
            None,
            _optional_positive_int(24 * 365),
            True,
        ),
        Rule(
            "idle_timeout_minutes",
            _("Sign out after idle, minutes"),
            None,
            _optional_positive_int(60 * 24 * 90),
            True,
        ),
        Rule("allowed_networks", _("Networks allowed to sign in"), [], _networks, True),
        Rule("require_2fa", _("Two-factor sign-in required"), False, _bool, True),
        Rule("allow_file_download", _("Files may be downloaded on mobile"), True, _bool),
        Rule("allow_open_in_other_apps", _("Files may be opened in other apps"), True, _bool),
        Rule("allow_copy", _("Text may be copied out of the app"), True, _bool),
        Rule("allow_screenshots", _("Screenshots allowed"), True, _bool),
        Rule("notification_content", _("Message text shown in notifications"), True, _bool),
        Rule(
            "offline_cache_hours",
            _("Offline cache lifetime, hours"),
            None,
            _optional_positive_int(24 * 365),
        ),
        Rule(
            "wipe_after_failed_pins",
            _("Wipe local data after failed PIN entries"),
            None,
            _optional_positive_int(100),
        ),
        Rule("watermark_documents", _("Watermark on document views"), False, _bool),
    ]
}


def validate_rules(rules: Any) -> dict[str, Any]:
    """The normalised rules, or RuleError naming every unknown or invalid rule."""
    if not isinstance(rules, dict):
        raise RuleError("rules must be a JSON object")
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in rules.items():
        rule = RULES.get(name)
        if rule is None:
            problems[name] = "unknown rule"
            continue
        try:
            clean[name] = rule.validate(value)
        except RuleError as exc:
            problems[name] = str(exc)
    if problems:
        error = RuleError("; ".join(f"{k}: {v}" for k, v in sorted(problems.items())))
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    return clean


def version_tuple(version: str | None) -> tuple[int, ...]:
    """``"2.10.1"`` → ``(2, 10, 1)``; anything unparsable sorts lowest."""
    if not version:
        return ()
    match = re.match(r"^\s*(\d+(?:\.\d+)*)", version)
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()
