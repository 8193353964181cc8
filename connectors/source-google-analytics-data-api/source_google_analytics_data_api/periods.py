"""GA4's time dimensions as periods of days, so reports keyed on a week or a month stay correct.

A report by `yearWeek` read in two requests that split a week would return that week twice,
each time with part of its numbers, under the same key. So windows of such a report start on
period boundaries (`Period.floor`), and each row says which days it covers (`Period.days_of`).

GA4's conventions: `yearWeek` weeks start on Sunday and week 01 begins on January 1st, so the
first and last weeks of a year are short; `isoYearIsoWeek` weeks are ISO weeks (Monday);
`yearMonth` is the calendar month; `date` and `dateHour` are days.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """The period a time dimension stands for: which days a value covers, where periods begin."""

    dimension: str
    floor: Callable[[date], date]  # the first day of the period holding a day
    _days_of: Callable[[str], tuple[date, date]]

    def days_of(self, value: str) -> tuple[date, date] | None:
        """First and last day of the period a dimension value names; None for a value that names
        none, such as GA4's "(other)" row."""
        if not value[:4].isdigit():
            return None
        try:
            return self._days_of(value)
        except ValueError:
            return None

    @property
    def is_day(self) -> bool:
        return self.dimension == "date"


def _one_day(value: str) -> tuple[date, date]:
    day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    return day, day


def _sunday_week_start(day: date) -> date:
    sunday_on_or_before = day - timedelta(days=(day.weekday() + 1) % 7)
    return max(sunday_on_or_before, date(day.year, 1, 1))


def _sunday_week_days(value: str) -> tuple[date, date]:
    year, week = int(value[:4]), int(value[4:])
    new_year = date(year, 1, 1)
    second_week = new_year + timedelta(days=7 - (new_year.weekday() + 1) % 7)
    first = new_year if week == 1 else second_week + timedelta(weeks=week - 2)
    if week < 1 or first.year != year:
        raise ValueError(f"no week {week} in {year}")
    last = min(
        second_week - timedelta(days=1) if week == 1 else first + timedelta(days=6), date(year, 12, 31)
    )
    return first, last


def _iso_week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _iso_week_days(value: str) -> tuple[date, date]:
    first = date.fromisocalendar(int(value[:4]), int(value[4:]), 1)
    return first, first + timedelta(days=6)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_days(value: str) -> tuple[date, date]:
    year, month = int(value[:4]), int(value[4:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _same_day(day: date) -> date:
    return day


# Finest first: a report with several time dimensions is keyed on the finest.
PERIODS = (
    Period("date", _same_day, _one_day),
    Period("dateHour", _same_day, _one_day),
    Period("yearWeek", _sunday_week_start, _sunday_week_days),
    Period("isoYearIsoWeek", _iso_week_start, _iso_week_days),
    Period("yearMonth", _month_start, _month_days),
)


def period_of(dimensions: Sequence[str]) -> Period | None:
    """The period a report's rows are keyed on, or None when it has no such time dimension."""
    return next((period for period in PERIODS if period.dimension in dimensions), None)
