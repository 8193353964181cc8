"""HubSpot's two spellings of a moment: epoch milliseconds and ISO-8601 with milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime


def iso(epoch_ms: int) -> str:
    """`2024-01-17T19:55:04.281Z`, the form record timestamps take in API responses."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


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
