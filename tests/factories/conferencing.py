"""Conferences made by the real services."""

from __future__ import annotations

from typing import Any

from conferencing import services
from conferencing.models import Conference
from portal.accounts.models import User


def conference_for(organizer: User, **fields: Any) -> Conference:
    """A conference starting now, organised by ``organizer`` (the service's defaults)."""
    fields.setdefault("title", "Планёрка")
    return services.conference_create(actor=organizer, **fields)
