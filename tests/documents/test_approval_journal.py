"""The registration journal: its format, numbering across a new year, and a rolled-back
registration giving its number back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from documents.models import RegistrationJournal
from documents.services.approval import journal_format_check, registration_number_take
from portal import clock
from tests.factories.accounts import AgencyFactory


def _take(agency):
    with transaction.atomic():
        return registration_number_take(agency.pk)


def test_numbers_start_again_in_a_new_year(db):
    agency = AgencyFactory.create(short_name="01-15")
    with clock.frozen(dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)) as frozen:
        assert [_take(agency) for _ in range(2)] == ["01-15/2026-000001", "01-15/2026-000002"]
        frozen.advance(24 * 3600)
        assert _take(agency) == "01-15/2027-000001"


def test_without_a_yearly_reset_numbers_go_on(db):
    agency = AgencyFactory.create()
    RegistrationJournal.objects.create(
        agency=agency, prefix="ДСП", format="{prefix}-{number}", reset_yearly=False, next_number=41
    )
    with clock.frozen(dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)) as frozen:
        assert _take(agency) == "ДСП-41"
        frozen.advance(24 * 3600)
        assert _take(agency) == "ДСП-42"


def test_a_rolled_back_registration_gives_its_number_back(db):
    agency = AgencyFactory.create(short_name="01-15")
    with pytest.raises(RuntimeError), transaction.atomic():
        registration_number_take(agency.pk)
        raise RuntimeError("the decision failed after taking its number")
    assert _take(agency).endswith("-000001")


@pytest.mark.parametrize(
    ("fmt", "reset", "ok"),
    [
        ("{prefix}/{year}-{number:06d}", True, True),
        ("{number}", False, True),
        ("{number}", True, False),  # numbers would repeat every year
        ("{prefix}/{year}", True, False),  # no number
        ("{prefix}/{year}-{number:06d", True, False),  # malformed
        ("{agency}/{number}", False, False),  # an unknown field
        ("{number:q}", False, False),  # a bad spec
    ],
)
def test_journal_formats(fmt, reset, ok):
    assert (journal_format_check(fmt, reset_yearly=reset) is None) is ok
