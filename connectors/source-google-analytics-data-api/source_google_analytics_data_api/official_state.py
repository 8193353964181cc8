"""The official connector's saved state of a report keyed on a week, month or year, read as ours.

The official GA4 connector (declarative since 2.7) keeps one flat state per stream, each property
having streams of its own: `{"<cursor>": "<day>"}`, where the cursor is the first of `date`,
`yearWeek`, `yearMonth`, `year` among the report's dimensions and the day is written
`2024-05-26` (its concurrent cursor) or `20240526` (older versions). Older versions also saved a
period's own value (`202421`, `202405`, `2024`).

Daily reports share our cursor (`date`) and our state reader takes both spellings. Reports keyed
on a period carry our cursor `startDate` instead, so their official state is renamed here; a
period value becomes the period's first day, so that period is read again rather than skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from source_google_analytics_data_api.periods import PERIODS

OFFICIAL_PERIOD_CURSORS = ("yearWeek", "yearMonth", "year")


def as_our_state(raw: Mapping[str, Any], cursor_field: str) -> Mapping[str, Any]:
    """`raw` as a state of our `cursor_field` when it is an official period report's state;
    anything else unchanged (our state reader validates it)."""
    if "version" in raw or cursor_field in raw:
        return raw
    saved = [name for name in OFFICIAL_PERIOD_CURSORS if isinstance(raw.get(name), str)]
    if len(raw) != 1 or not saved:
        return raw
    (name,) = saved
    first_day = _first_day(name, raw[name])
    return {cursor_field: first_day.isoformat()} if first_day else raw


def _first_day(cursor: str, value: str) -> date | None:
    """The day an official cursor value stands for: itself, or the first day of its period."""
    try:
        return date.fromisoformat(value)  # 2024-05-26 or 20240526
    except ValueError:
        pass
    if cursor == "year":
        return date(int(value), 1, 1) if value.isdigit() and len(value) == 4 else None
    period = next(period for period in PERIODS if period.dimension == cursor)
    days = period.days_of(value)
    return days[0] if days else None
