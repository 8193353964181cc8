"""JSON schemas of report streams, typed from the property's metadata.

GA4 types every metric (integer, float, seconds, currency, ...); only integers are integers in
JSON, every other type is a decimal number. Dimensions are strings (`date` is GA4's YYYYMMDD).
A metric the metadata does not know (the API would reject it anyway) is typed as a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from source_google_analytics_data_api.records import DATA_QUALITY, emitted_as_integer
from source_google_analytics_data_api.responses import PropertyMetadata

JSON_SCHEMA_DRAFT_07 = "http://json-schema.org/draft-07/schema#"
_DATE = {"type": ["null", "string"], "format": "date"}
_QUALITY = {
    "type": "object",
    "description": "What Google Analytics says about how exact this record's numbers are.",
    "properties": {
        "sampled": {"type": "boolean", "description": "The report was computed from a sample of the events."},
        "sampling_share": {"type": ["null", "number"], "description": "The share of events the sample read."},
        "subject_to_thresholding": {
            "type": "boolean",
            "description": "Rows may have been withheld to protect users' privacy.",
        },
        "data_loss_from_other_row": {
            "type": "boolean",
            "description": 'Rows were rolled up into an "(other)" row because the report had too many.',
        },
    },
}


def report_schema(
    dimensions: Iterable[str],
    metrics: Iterable[str],
    metadata: PropertyMetadata,
    *,
    conversions_as_decimals: bool,
) -> dict[str, Any]:
    """The schema of a report's records (see `records`)."""
    properties: dict[str, Any] = {
        "property_id": {"type": "string"},
        "startDate": _DATE,
        "endDate": _DATE,
        **{name: {"type": ["null", "string"]} for name in dimensions},
    }
    for name in metrics:
        integer = emitted_as_integer(name, name in metadata.integer_metrics, conversions_as_decimals)
        properties[name] = {"type": ["null", "integer" if integer else "number"]}
    properties[DATA_QUALITY] = _QUALITY
    return {
        "$schema": JSON_SCHEMA_DRAFT_07,
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }
