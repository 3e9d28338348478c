"""The messaging migrations on SQLite (embedded mode), which the suite, running on
PostgreSQL, does not otherwise touch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# One process for every step: each `manage.py` would spend seconds starting Django.
ROUND_TRIP = """
import django
from django.core.management import call_command

django.setup()
for target in ([], ["messaging", "0005"], ["messaging", "zero"], []):
    call_command("migrate", *target, verbosity=0)
"""


def test_migrations_reverse_and_reapply_on_sqlite(tmp_path: Path) -> None:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL"} and not name.startswith("S3_")
    }
    environment |= {"PORTAL_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings"}

    result = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "portal.sqlite3").exists()  # it ran on SQLite, not on PostgreSQL
