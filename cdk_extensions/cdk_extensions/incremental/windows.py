"""Time windows: the unit of work of an incremental read.

A window is half-open, [start, end), so consecutive windows share a boundary without sharing a
record. The same code serves datetimes (HubSpot search) and dates (GA4 reports).
"""

from __future__ import annotations

from collections.abc import Iterator
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


def windows(start: TimePoint, end: TimePoint, step: timedelta) -> Iterator[Window[TimePoint]]:
    """Consecutive windows of `step` covering [start, end); the last one is clamped at end.

    Raises ValueError at once (not at the first window) for a step that would never advance,
    such as a step of hours over dates.
    """
    if not start + step > start:
        raise ValueError(f"window step {step} does not advance from {start}")
    return _consecutive(start, end, step)


def _consecutive(start: TimePoint, end: TimePoint, step: timedelta) -> Iterator[Window[TimePoint]]:
    while start < end:
        window_end = min(start + step, end)
        yield Window(start, window_end)
        start = window_end


def lookback_start(configured_start: TimePoint, cursor: TimePoint | None, lookback: timedelta) -> TimePoint:
    """Where a read begins: the cursor minus the lookback, never before the configured start."""
    if cursor is None:
        return configured_start
    return max(configured_start, cursor - lookback)
