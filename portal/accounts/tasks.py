"""Periodic housekeeping of sign-in sessions."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from portal import clock
from portal.accounts.models import AuthSession

# Revoked and expired sessions stay listed this long (for support and audit), then go.
KEEP_ENDED_SESSIONS = dt.timedelta(days=30)


@shared_task
def prune_expired_auth_sessions() -> int:
    """Delete sessions that ended (revoked or refresh-expired) more than 30 days ago."""
    cutoff = clock.now() - KEEP_ENDED_SESSIONS
    revoked = AuthSession.objects.filter(revoked_at__lt=cutoff)
    expired = AuthSession.objects.filter(refresh_expires_at__lt=cutoff)
    deleted = revoked.delete()[0] + expired.delete()[0]
    return deleted
