"""Registration journals: the next number of an agency, and their settings."""

from __future__ import annotations

import string
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.exceptions import InvalidJournal
from documents.models import RegistrationJournal
from portal import clock
from portal.accounts.models import User
from portal.audit.services import RequestContext, record
from portal.db import require_transaction


def journal_format_check(fmt: str, *, reset_yearly: bool) -> str | None:
    """Why a journal's number format cannot be used, or None: only ``{prefix}``,
    ``{year}`` and ``{number}`` (with a format spec), ``{number}`` required, and ``{year}``
    too when numbers start again every year (or numbers would repeat)."""
    try:
        names = [f for _t, f, _s, _c in string.Formatter().parse(fmt) if f is not None]
        fmt.format(prefix="01-15", year=2026, number=123)
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        return str(exc) or _("The format is not valid.")
    if set(names) - {"prefix", "year", "number"}:
        return _("Only {prefix}, {year} and {number} may be used.")
    if "number" not in names:
        return _("The format needs {number}.")
    if reset_yearly and "year" not in names:
        return _("Numbers start from 1 every year: the format needs {year}.")
    return None


def registration_number_take(agency_id: Any) -> str:
    """The next registration number of the agency's journal (created on first use with
    the agency's short name as prefix), taken under the journal's row lock: concurrent
    registrations wait for each other, so numbers are consecutive, never repeated, and a
    rolled-back registration gives its number back."""
    require_transaction("registration_number_take")
    from portal.accounts.models import Agency

    if not RegistrationJournal.objects.filter(agency_id=agency_id).exists():
        agency = Agency.objects.get(pk=agency_id)
        RegistrationJournal.objects.get_or_create(
            agency_id=agency_id, defaults={"prefix": agency.short_name[:50]}
        )
    journal = RegistrationJournal.objects.select_for_update().get(agency_id=agency_id)
    year = timezone.localdate(clock.now()).year
    if journal.reset_yearly and journal.year != year:
        journal.next_number = 1
    journal.year = year
    number = journal.next_number
    journal.next_number += 1
    journal.save(update_fields=["next_number", "year"])
    return journal.format.format(prefix=journal.prefix, year=year, number=number)


def registration_journal_save(
    *, actor: User, journal: RegistrationJournal, context: RequestContext | None = None
) -> RegistrationJournal:
    """Save a journal's prefix, format and yearly reset (from admin), its format checked
    by ``journal_format_check``. The next number is not the admin's to set: numbers are
    never reused, so only registrations move it."""
    problem = journal_format_check(journal.format, reset_yearly=journal.reset_yearly)
    if problem:
        raise InvalidJournal(format=[problem])
    with transaction.atomic():
        if journal._state.adding:
            journal.save(force_insert=True)
        else:
            journal.save(update_fields=["prefix", "format", "reset_yearly"])
        record(
            "approval.journal_saved", actor=actor, context=context, target=journal,
            details={"prefix": journal.prefix, "format": journal.format,
                     "reset_yearly": journal.reset_yearly},
        )  # fmt: skip
    return journal
