"""What a request or a socket does when PostgreSQL is unreachable: fail at once with
503 ``service_unavailable`` (or websocket close 4503) and a Retry-After, log one line
instead of a stack trace, and recover by itself when the database is back
(docs/operations.md, "Outages")."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError

from portal.cache import REDIS_DOWN
from portal.errors import ServiceUnavailable

# What Django raises when the database cannot be reached or the connection broke
# (psycopg's errors and the pool's timeout, wrapped), and for transient conditions of
# the same kind (a server shutting down, a connection killed): all retryable.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_outage(error: BaseException | None) -> ServiceUnavailable | None:
    """The error to answer with when ``error`` means the database is unreachable."""
    if isinstance(error, DATABASE_DOWN):
        return ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS)
    return None


def current_database_outage() -> ServiceUnavailable | None:
    """``database_outage`` of the exception being handled (Django's handler500 runs
    inside the ``except`` block of the request that failed)."""
    return database_outage(sys.exc_info()[1])


class OutageLogFilter(logging.Filter):
    """A failure caused by an unreachable database or Redis is logged as one warning line,
    without the stack trace: it is an outage, not a bug. Set on ``django.request`` and on
    channels-redis' receiver, which otherwise log a trace per request or per second."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        what = None
        if isinstance(error, DATABASE_DOWN):
            what = "database unavailable"
        elif isinstance(error, REDIS_DOWN):
            what = "Redis unavailable"
        if what is not None:
            message = record.getMessage()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = "%s (%s: %s)"
            record.args = (message, what, str(error).strip().splitlines()[0][:200])
            record.exc_info = None
            record.exc_text = None
        return True
