"""Time windows: the unit of work of an incremental read.

A window is half-open, [start, end), so consecutive windows share a boundary without sharing a
record. The same code serves datetimes (HubSpot search) and dates (GA4 reports).

Reports keyed on a calendar period (a GA4 report by week or by month) must never split a period
between two windows, or the period comes back twice, each time with part of its numbers. Such
readers pass `align`: the start of the period holding a point. Windows then begin and end on
period starts (except at the range's own start and end), each at least `step` long where the
periods allow, and a resumed read re-reads the whole period its start falls in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic

from cdk_extensions.incremental.values import TimePoint


@dataclass(frozen=True)
class Window(Generic[TimePoint]):
    """Records with start <= cursor value < end."""

    start: TimePoint
    end: TimePoint

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"empty window: start {self.start} is not before end {self.end}")

    @property
    def splittable(self) -> bool:
        """False for a window of one day (dates) or one microsecond (datetimes)."""
        return self.start < self._midpoint

    def halves(self) -> tuple[Window[TimePoint], Window[TimePoint]]:
        """Two windows covering this one; HubSpot narrows a window holding more than 10k records."""
        if not self.splittable:
            raise ValueError(f"window {self.start} - {self.end} is too small to split")
        return Window(self.start, self._midpoint), Window(self._midpoint, self.end)

    @property
    def _midpoint(self) -> TimePoint:
        # Adding a fraction of a day to a date drops the fraction: dates split on whole days.
        return self.start + (self.end - self.start) // 2


Align = Callable[[TimePoint], TimePoint]
"""The start of the calendar period holding a point (a point at or before it)."""


def windows(
    start: TimePoint, end: TimePoint, step: timedelta, align: Align[TimePoint] | None = None
) -> Iterator[Window[TimePoint]]:
    """Consecutive windows of `step` covering [start, end); the last one is clamped at end.
    With `align`, each window ends on the first period start at or before `start + step` (or,
    when a period is longer than the step, on the next period start).

    Raises ValueError at once (not at the first window) for a step that would never advance,
    such as a step of hours over dates.
    """
    if not start + step > start:
        raise ValueError(f"window step {step} does not advance from {start}")
    return _consecutive(start, end, step, align)


def _consecutive(
    start: TimePoint, end: TimePoint, step: timedelta, align: Align[TimePoint] | None
) -> Iterator[Window[TimePoint]]:
    while start < end:
        window_end = min(_next_end(start, step, align), end)
        yield Window(start, window_end)
        start = window_end


def _next_end(start: TimePoint, step: timedelta, align: Align[TimePoint] | None) -> TimePoint:
    candidate = start + step
    if align is None:
        return candidate
    while align(candidate) <= start:  # the step ends inside the period `start` is in
        candidate += step
    return align(candidate)


def lookback_start(configured_start: TimePoint, cursor: TimePoint | None, lookback: timedelta) -> TimePoint:
    """Where a read begins: the cursor minus the lookback, never before the configured start."""
    if cursor is None:
        return configured_start
    return max(configured_start, cursor - lookback)
