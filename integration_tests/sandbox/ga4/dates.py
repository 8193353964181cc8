"""Date ranges as the API reads them: `YYYY-MM-DD`, `today`, `yesterday` or `NdaysAgo`.

Relative dates are resolved in the property's time zone, so "yesterday" depends on the property.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sandbox.ga4.errors import invalid_argument

MAX_DATE_RANGES = 4
_DAYS_AGO = re.compile(r"(\d+)daysAgo")
_RESERVED_PREFIXES = ("date_range_", "RESERVED_")


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
    name: str

    def days(self) -> Iterator[date]:
        for offset in range((self.end - self.start).days + 1):
            yield self.start + timedelta(days=offset)

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


def parse_date(text: Any, today: date, field: str) -> date:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if isinstance(text, str) and (days_ago := _DAYS_AGO.fullmatch(text)):
        return today - timedelta(days=int(days_ago.group(1)))
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise invalid_argument(
            f"Invalid {field}: {text!r}. Dates are YYYY-MM-DD, NdaysAgo, yesterday, or today."
        ) from None


def parse_date_range(body: Mapping[str, Any], today: date, default_name: str) -> DateRange:
    start = parse_date(body.get("startDate"), today, "startDate")
    end = parse_date(body.get("endDate"), today, "endDate")
    if start > end:
        raise invalid_argument(f"Invalid date range: startDate {start} is after endDate {end}.")
    name = body.get("name") or default_name
    if body.get("name") and str(name).startswith(_RESERVED_PREFIXES):
        raise invalid_argument(
            f"Invalid date range name {name}: it cannot begin with date_range_ or RESERVED_."
        )
    return DateRange(start, end, str(name))


def parse_date_ranges(bodies: Sequence[Mapping[str, Any]], today: date) -> list[DateRange]:
    """The request's `dateRanges`, named `date_range_<index>` unless they carry a name."""
    if not bodies:
        raise invalid_argument("A date range is required: set dateRanges (or a cohortSpec).")
    if len(bodies) > MAX_DATE_RANGES:
        raise invalid_argument(
            f"Requests are allowed up to {MAX_DATE_RANGES} date ranges; this one has {len(bodies)}."
        )
    return [parse_date_range(body, today, f"date_range_{index}") for index, body in enumerate(bodies)]
