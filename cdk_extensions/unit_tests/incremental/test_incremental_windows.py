"""Window slicing, splitting and lookback, for datetimes (HubSpot) and dates (GA4)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdk_extensions.incremental import Window, lookback_start, windows

T0 = datetime(2024, 1, 1, tzinfo=UTC)

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
positive_steps = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400))
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1))


def assert_tiles(tiles: list[Window[datetime]] | list[Window[date]], start: object, end: object) -> None:
    """The windows cover [start, end) exactly: no gap, no overlap, none empty."""
    assert tiles[0].start == start and tiles[-1].end == end
    for previous, following in itertools.pairwise(tiles):
        assert previous.end == following.start
    assert all(window.start < window.end for window in tiles)


@settings(deadline=None)  # no timing in assertions: a loaded CI machine must not fail this
@given(
    aware_datetimes,
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=400)),
    st.integers(min_value=0, max_value=50),
    st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_datetime_windows_cover_the_range_without_gap_or_overlap(
    start: datetime, step: timedelta, whole_steps: int, part_step: float
) -> None:
    end = start + step * whole_steps + step * part_step
    tiles = list(windows(start, end, step))
    if start == end:
        assert tiles == []
    else:
        assert_tiles(tiles, start, end)
        assert all(window.end - window.start == step for window in tiles[:-1])
        assert tiles[-1].end - tiles[-1].start <= step


@settings(deadline=None)
@given(dates, dates, st.integers(min_value=1, max_value=400))
def test_date_windows_cover_the_range_without_gap_or_overlap(a: date, b: date, days: int) -> None:
    start, end = min(a, b), max(a, b)
    tiles = list(windows(start, end, timedelta(days=days)))
    if start == end:
        assert tiles == []
    else:
        assert_tiles(tiles, start, end)
        assert all((window.end - window.start).days <= days for window in tiles)


def month_start(day: date) -> date:
    return day.replace(day=1)


def sunday_week_start(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


@settings(deadline=None)
@given(
    dates, dates, st.integers(min_value=1, max_value=400), st.sampled_from([month_start, sunday_week_start])
)
def test_aligned_windows_never_split_a_period(a: date, b: date, days: int, align: Any) -> None:
    start, end = min(a, b), max(a, b)
    tiles = list(windows(start, end, timedelta(days=days), align))
    if start == end:
        assert tiles == []
        return
    assert_tiles(tiles, start, end)
    assert all(align(window.start) == window.start for window in tiles[1:])  # inner boundaries


def test_aligned_windows_end_on_the_last_period_start_within_the_step() -> None:
    tiles = list(windows(date(2024, 1, 15), date(2024, 6, 10), timedelta(days=30), month_start))
    assert [(w.start.isoformat(), w.end.isoformat()) for w in tiles] == [
        ("2024-01-15", "2024-02-01"),
        ("2024-02-01", "2024-03-01"),
        ("2024-03-01", "2024-04-01"),  # 30 days from March 1st end inside March: the next month start
        ("2024-04-01", "2024-05-01"),
        ("2024-05-01", "2024-06-01"),
        ("2024-06-01", "2024-06-10"),
    ]


def test_last_window_is_clamped_at_the_end() -> None:
    tiles = list(windows(date(2024, 1, 1), date(2024, 1, 8), timedelta(days=3)))
    assert [(w.start.day, w.end.day) for w in tiles] == [(1, 4), (4, 7), (7, 8)]


def test_start_after_end_gives_no_window() -> None:
    assert list(windows(T0 + timedelta(days=1), T0, timedelta(days=1))) == []


@pytest.mark.parametrize(
    ("start", "step"),
    [(T0, timedelta(0)), (T0, timedelta(days=-1)), (date(2024, 1, 1), timedelta(hours=12))],
)
def test_a_step_that_never_advances_is_refused_at_once(start: date, step: timedelta) -> None:
    with pytest.raises(ValueError, match="does not advance"):
        windows(start, start + timedelta(days=10), step)  # no iteration needed to fail


def test_an_empty_window_cannot_exist() -> None:
    with pytest.raises(ValueError, match="empty window"):
        Window(T0, T0)


@settings(deadline=None)
@given(aware_datetimes, positive_steps)
def test_datetime_halves_cover_the_window(start: datetime, length: timedelta) -> None:
    window = Window(start, start + length)
    if length == timedelta(microseconds=1):
        assert not window.splittable
        return
    first, second = window.halves()
    assert_tiles([first, second], window.start, window.end)
    assert abs((first.end - first.start) - (second.end - second.start)) <= timedelta(microseconds=1)


def test_date_windows_split_on_whole_days() -> None:
    first, second = Window(date(2024, 1, 1), date(2024, 1, 4)).halves()
    assert (first, second) == (
        Window(date(2024, 1, 1), date(2024, 1, 2)),
        Window(date(2024, 1, 2), date(2024, 1, 4)),
    )


def test_a_one_day_window_cannot_be_split() -> None:
    window = Window(date(2024, 1, 1), date(2024, 1, 2))
    assert not window.splittable
    with pytest.raises(ValueError, match="too small"):
        window.halves()


def test_lookback_without_cursor_starts_at_the_configured_start() -> None:
    assert lookback_start(T0, None, timedelta(days=2)) == T0


def test_lookback_moves_the_start_back_from_the_cursor() -> None:
    cursor = T0 + timedelta(days=10)
    assert lookback_start(T0, cursor, timedelta(days=2)) == T0 + timedelta(days=8)
    assert lookback_start(date(2024, 1, 1), date(2024, 3, 1), timedelta(days=2)) == date(2024, 2, 28)


def test_lookback_never_goes_before_the_configured_start() -> None:
    assert lookback_start(T0, T0 + timedelta(days=1), timedelta(days=2)) == T0
    # A state older than a start date the user moved forward is ignored too.
    assert lookback_start(T0, T0 - timedelta(days=30), timedelta(0)) == T0
