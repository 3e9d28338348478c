"""Reading configuration from the environment.

Every setting Portal takes from outside goes through these helpers, so that each one can
also be given as a file (``NAME_FILE=/run/secrets/name``), which is how container
orchestrators hand out secrets. docs/operations.md lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The value of ``name``, or the contents of the file named by ``name_FILE``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name, "1" if default else "0").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name, str(default)).strip()
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def require_together(*names: str) -> bool:
    """True when all of ``names`` are set, False when none are; fails fast on a half-set group."""
    present = [name for name in names if env_str(name)]
    if present and len(present) != len(names):
        missing = [name for name in names if name not in present]
        raise ImproperlyConfigured(
            f"{', '.join(present)} set without {', '.join(missing)}: set all of them or none"
        )
    return bool(present)
