"""GA4's time dimensions as periods: the days a value covers and where periods begin, checked
against the fake's own week numbering over several years of days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sandbox.ga4.dataset import Fact
from sandbox.ga4.dimensions import STANDARD_DIMENSIONS
from source_google_analytics_data_api.periods import period_of

FAKE_DIMENSIONS = {dimension.api_name: dimension for dimension in STANDARD_DIMENSIONS}


@pytest.mark.parametrize("dimension", ["yearWeek", "isoYearIsoWeek", "yearMonth"])
def test_every_day_lies_in_the_period_its_value_names(dimension: str) -> None:
    """Written by GA4's rules (the fake's dimension), read back by ours, 2019 to 2026."""
    period = period_of([dimension])
    assert period is not None
    value_of = FAKE_DIMENSIONS[dimension].value_of
    day = date(2019, 12, 20)
    while day < date(2026, 1, 15):
        value = value_of(_fact_on(day))
        days = period.days_of(value)
        assert days is not None and days[0] <= day <= days[1], (dimension, day, value, days)
        assert period.floor(day) == days[0]
        day += timedelta(days=1)


def test_weeks_of_a_year_start_on_january_first_then_on_sundays() -> None:
    period = period_of(["yearWeek", "eventName"])

    assert period is not None
    assert period.days_of("202401") == (date(2024, 1, 1), date(2024, 1, 6))  # a Monday to Saturday
    assert period.days_of("202402") == (date(2024, 1, 7), date(2024, 1, 13))
    assert period.days_of("202453") == (date(2024, 12, 29), date(2024, 12, 31))  # cut at the year's end


def test_the_finest_time_dimension_keys_a_report() -> None:
    assert period_of(["yearMonth", "date", "country"]).dimension == "date"  # type: ignore[union-attr]
    assert period_of(["country", "month"]) is None  # a month of any year is no period


def test_the_other_row_names_no_period() -> None:
    assert period_of(["yearWeek"]).days_of("(other)") is None  # type: ignore[union-attr]
    assert period_of(["date"]).days_of("(other)") is None  # type: ignore[union-attr]


def _fact_on(day: date) -> Fact:
    """A fact of the fake's world on `day`; only its date matters to time dimensions."""
    fact = object.__new__(Fact)
    object.__setattr__(fact, "day", day)
    object.__setattr__(fact, "date_text", day.strftime("%Y%m%d"))
    return fact
