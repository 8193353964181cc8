"""Report rows as records: the official connector's fields, typed values, and GA4's quality notes.

Every record carries `property_id` and the days it covers (`startDate`, `endDate`: the request's
date range, or for a report keyed on weeks or months the part of the row's period inside it),
then the report's dimensions as GA4 writes them (`date` as YYYYMMDD, as the official connector
keeps it, so existing destination tables keep their keys) and metrics (integers or decimals as
GA4 types them), and `data_quality`: whether GA4 sampled the report, withheld rows for privacy
(thresholding) or rolled rows into "(other)".

A report keyed on days, weeks or months skips the "(other)" row GA4 adds when a report has too
many rows: it has no period, so it has no place in an incremental stream (`data_quality` of the
other records says rows were rolled up).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from source_google_analytics_data_api.periods import Period
from source_google_analytics_data_api.responses import ReportPage

Record = dict[str, Any]
DATA_QUALITY = "data_quality"


def is_conversion_metric(name: str) -> bool:
    """Conversion counts, which the official connector can emit as decimals (`convert_conversions_event`)."""
    return name in ("conversions", "keyEvents") or name.startswith(("conversions:", "keyEvents:"))


def emitted_as_integer(name: str, integer_type: bool, conversions_as_decimals: bool) -> bool:
    return integer_type and not (conversions_as_decimals and is_conversion_metric(name))


def report_records(
    page: ReportPage,
    *,
    property_id: str,
    start: date,
    end: date,
    period: Period | None = None,
    conversions_as_decimals: bool = False,
) -> Iterator[Record]:
    """The records of one page of a report over [start, end] (both included)."""
    dimensions = page.dimension_names
    metrics = page.metric_names
    parsers = [
        _integer if emitted_as_integer(name, integer, conversions_as_decimals) else _decimal
        for name, integer in zip(metrics, page.integer_metrics, strict=True)
    ]
    period_position = dimensions.index(period.dimension) if period else None
    range_fields = {"startDate": start.isoformat(), "endDate": end.isoformat()}
    quality = page.quality.as_record_field()
    for dimension_values, metric_values in page.rows():
        record: Record = {"property_id": property_id, **range_fields}
        if period is not None and period_position is not None:
            days = period.days_of(dimension_values[period_position])
            if days is None:
                continue  # the "(other)" row
            if not period.is_day:
                record["startDate"], record["endDate"] = (
                    max(days[0], start).isoformat(),
                    min(days[1], end).isoformat(),
                )
        for name, value in zip(dimensions, dimension_values, strict=True):
            record[name] = value
        for name, parse, value in zip(metrics, parsers, metric_values, strict=True):
            record[name] = parse(value)
        record[DATA_QUALITY] = dict(quality)
        yield record


def _integer(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _decimal(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None
