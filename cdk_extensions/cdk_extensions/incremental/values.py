"""Reading and writing cursor values: aware UTC datetimes (HubSpot) or calendar dates (GA4).

Cursor values arrive in many spellings: ISO 8601 with `Z` or an offset, epoch milliseconds
(HubSpot's timestamps and some official connector states), date-only strings, and GA4's
`YYYYMMDD` date dimension. Every spelling is parsed here, in one place, and written back in one
canonical form so the states we emit compare and sort predictably.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, date, datetime
from typing import Generic, TypeVar, cast

TimePoint = TypeVar("TimePoint", date, datetime)


class CursorValues(ABC, Generic[TimePoint]):
    """Parses any accepted spelling of a cursor value and formats the canonical one."""

    description: str

    @abstractmethod
    def parse(self, raw: object) -> TimePoint:
        """The value, or ValueError saying what was expected."""

    @abstractmethod
    def format(self, value: TimePoint) -> str: ...


class DatetimeValues(CursorValues[datetime]):
    """Aware UTC datetimes; naive input is taken as UTC, output is ISO 8601 with `Z`."""

    description = "an ISO 8601 datetime or epoch milliseconds"

    def parse(self, raw: object) -> datetime:
        millis = _epoch_millis(raw)
        try:
            if millis is not None:
                return datetime.fromtimestamp(millis / 1000, tz=UTC)
            if isinstance(raw, str):
                parsed = datetime.fromisoformat(raw)  # also accepts "Z" and date-only strings
                return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except (ValueError, OverflowError, OSError):
            pass
        raise ValueError(f"expected {self.description}, got {raw!r}")

    def format(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class DateValues(CursorValues[date]):
    """Calendar dates; output is YYYY-MM-DD."""

    description = "a date (YYYY-MM-DD or YYYYMMDD) or epoch milliseconds"

    def parse(self, raw: object) -> date:
        try:
            if isinstance(raw, str) and len(raw) == 8 and raw.isdigit():  # GA4's date dimension
                return datetime.strptime(raw, "%Y%m%d").date()
            return DatetimeValues().parse(raw).date()
        except ValueError:
            raise ValueError(f"expected {self.description}, got {raw!r}") from None

    def format(self, value: date) -> str:
        return value.isoformat()


def values_for(point: TimePoint) -> CursorValues[TimePoint]:
    """The parser matching the type of a configured start: datetime or date."""
    values = DatetimeValues() if isinstance(point, datetime) else DateValues()
    return cast(CursorValues[TimePoint], values)


def _epoch_millis(raw: object) -> int | None:
    if isinstance(raw, bool):  # bool is an int subclass, never a timestamp
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit() and len(raw) > 8:  # 8 digits is a YYYYMMDD date
        return int(raw)
    return None
