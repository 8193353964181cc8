"""HubSpot's two spellings of a moment: epoch milliseconds and ISO-8601 with milliseconds."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

_DAY_MS = 86_400_000


def iso(epoch_ms: int) -> str:
    """`2024-01-17T19:55:04.281Z`, the form record timestamps take in API responses."""
    days, millis = divmod(epoch_ms, _DAY_MS)
    seconds, millis = divmod(millis, 1000)
    minutes, seconds = divmod(seconds, 60)
    return f"{_iso_day(days)}T{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}.{millis:03d}Z"


@functools.lru_cache(maxsize=8192)
def _iso_day(days_since_epoch: int) -> str:
    # Every record carries several timestamps: the date part, the slow one to format, is cached.
    return iso_date(days_since_epoch * _DAY_MS)


def iso_date(epoch_ms: int) -> str:
    """`2024-01-17`, the form of `date` properties."""
    return f"{datetime.fromtimestamp(epoch_ms / 1000, UTC):%Y-%m-%d}"


def parse_moment(text: str) -> int:
    """Epoch ms from either spelling (search filters accept both); ValueError otherwise."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    else:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)
