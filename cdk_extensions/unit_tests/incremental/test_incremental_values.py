"""Every accepted spelling of a cursor value, and the canonical one we write."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdk_extensions.incremental.values import DatetimeValues, DateValues

NOON = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05T12:00:00Z",
        "2024-03-05T12:00:00.000Z",
        "2024-03-05T14:00:00+02:00",
        "2024-03-05T12:00:00",  # naive: taken as UTC
        1709640000000,  # epoch milliseconds
        "1709640000000",
    ],
)
def test_datetime_spellings(raw: object) -> None:
    assert DatetimeValues().parse(raw) == NOON


def test_date_only_string_is_midnight_utc() -> None:
    assert DatetimeValues().parse("2024-03-05") == datetime(2024, 3, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw", ["yesterday", "", None, True, 1.5, ["2024-03-05"], "2024-13-01T00:00:00Z", 10**20]
)
def test_datetime_rejects_everything_else(raw: object) -> None:
    with pytest.raises(ValueError, match="expected an ISO 8601 datetime or epoch milliseconds"):
        DatetimeValues().parse(raw)


def test_datetime_format_is_utc_with_z() -> None:
    assert (
        DatetimeValues().format(datetime(2024, 3, 5, 14, tzinfo=UTC).astimezone()) == "2024-03-05T14:00:00Z"
    )
    assert (
        DatetimeValues().format(datetime(2024, 3, 5, 14, 0, 0, 123000, tzinfo=UTC))
        == "2024-03-05T14:00:00.123000Z"
    )


@pytest.mark.parametrize("raw", ["2024-03-05", "20240305", "2024-03-05T23:00:00Z", 1709640000000])
def test_date_spellings(raw: object) -> None:
    assert DateValues().parse(raw) == date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["20241305", "March 5th", None, False, "2024-3-5x"])
def test_date_rejects_everything_else(raw: object) -> None:
    with pytest.raises(ValueError, match="expected a date"):
        DateValues().parse(raw)


@settings(deadline=None)  # no timing in assertions
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_datetimes_round_trip(value: datetime) -> None:
    values = DatetimeValues()
    assert values.parse(values.format(value)) == value


@settings(deadline=None)  # no timing in assertions
@given(st.dates(min_value=date(1971, 1, 1)))
def test_dates_round_trip(value: date) -> None:
    values = DateValues()
    assert values.parse(values.format(value)) == value
