"""Reading and writing cursor values: aware UTC datetimes (HubSpot), calendar dates (GA4), and the
other orderable column types a database cursor may be (BigQuery: integers, decimals, text, and
datetimes without a time zone).

Cursor values arrive in many spellings: ISO 8601 with `Z` or an offset, epoch milliseconds
(HubSpot's timestamps and some official connector states), date-only strings, and GA4's
`YYYYMMDD` date dimension. Every spelling is parsed here, in one place, and written back in one
canonical form, a string, so the states we emit compare and sort predictably.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar, cast

TimePoint = TypeVar("TimePoint", date, datetime)


class _Orderable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...

    def __gt__(self, other: Any, /) -> bool: ...


CursorPoint = TypeVar("CursorPoint", bound=_Orderable)
"""Any cursor value: a TimePoint, an integer, a Decimal, a string."""


class CursorValues(ABC, Generic[CursorPoint]):
    """Parses any accepted spelling of a cursor value and formats the canonical one."""

    description: str

    @abstractmethod
    def parse(self, raw: object) -> CursorPoint:
        """The value, or ValueError saying what was expected."""

    @abstractmethod
    def format(self, value: CursorPoint) -> str: ...


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


class NaiveDatetimeValues(CursorValues[datetime]):
    """Datetimes without a time zone (a wall-clock reading, e.g. BigQuery's DATETIME); output is
    ISO 8601 with microseconds. A value with a zone is refused: it cannot be compared."""

    description = "an ISO 8601 datetime without a time zone"

    def parse(self, raw: object) -> datetime:
        try:
            parsed = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is not None:
            raise ValueError(f"expected {self.description}, got {raw!r}")
        return parsed

    def format(self, value: datetime) -> str:
        return value.isoformat(timespec="microseconds")


class IntegerValues(CursorValues[int]):
    """Whole numbers, from a JSON number or its text (64-bit ids exceed what some tools keep exactly)."""

    description = "an integer"

    def parse(self, raw: object) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lstrip("-").isdigit():
            return int(raw)
        raise ValueError(f"expected {self.description}, got {raw!r}")

    def format(self, value: int) -> str:
        return str(value)


class DecimalValues(CursorValues[Decimal]):
    """Exact decimal numbers; output is plain notation without trailing zeros."""

    description = "a decimal number"

    def parse(self, raw: object) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
            raise ValueError(f"expected {self.description}, got {raw!r}")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"expected {self.description}, got {raw!r}") from None
        if not value.is_finite():
            raise ValueError(f"expected {self.description}, got {raw!r}")
        return value

    def format(self, value: Decimal) -> str:
        text = format(value, "f")  # exact; Decimal.normalize() would round to 28 digits
        return text.rstrip("0").rstrip(".") if "." in text else text


class TextValues(CursorValues[str]):
    """Strings, ordered as the database orders them (byte order for BigQuery)."""

    description = "a string"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise ValueError(f"expected {self.description}, got {raw!r}")
        return raw

    def format(self, value: str) -> str:
        return value


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
