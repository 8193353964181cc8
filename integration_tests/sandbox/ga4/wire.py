"""Reading and writing the REST JSON of the Data API the way protobuf's JSON mapping does.

The official client sends `$alt=json;enum-encoding=int`: enums travel as integers and the
answer must use integers too; without that parameter the API uses enum names. int64 fields
(`limit`, `offset`, `samplesReadCount`) are JSON strings; parsers accept numbers as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.ga4.errors import invalid_argument

METRIC_TYPES = {
    "METRIC_TYPE_UNSPECIFIED": 0,
    "TYPE_INTEGER": 1,
    "TYPE_FLOAT": 2,
    "TYPE_SECONDS": 4,
    "TYPE_MILLISECONDS": 5,
    "TYPE_MINUTES": 6,
    "TYPE_HOURS": 7,
    "TYPE_STANDARD": 8,
    "TYPE_CURRENCY": 9,
    "TYPE_FEET": 10,
    "TYPE_MILES": 11,
    "TYPE_METERS": 12,
    "TYPE_KILOMETERS": 13,
}
COMPATIBILITY = {"COMPATIBILITY_UNSPECIFIED": 0, "COMPATIBLE": 1, "INCOMPATIBLE": 2}
MATCH_TYPES = {
    "MATCH_TYPE_UNSPECIFIED": 0,
    "EXACT": 1,
    "BEGINS_WITH": 2,
    "ENDS_WITH": 3,
    "CONTAINS": 4,
    "FULL_REGEXP": 5,
    "PARTIAL_REGEXP": 6,
}
NUMERIC_OPERATIONS = {
    "OPERATION_UNSPECIFIED": 0,
    "EQUAL": 1,
    "LESS_THAN": 2,
    "LESS_THAN_OR_EQUAL": 3,
    "GREATER_THAN": 4,
    "GREATER_THAN_OR_EQUAL": 5,
}
ORDER_TYPES = {
    "ORDER_TYPE_UNSPECIFIED": 0,
    "ALPHANUMERIC": 1,
    "CASE_INSENSITIVE_ALPHANUMERIC": 2,
    "NUMERIC": 3,
}
METRIC_AGGREGATIONS = {
    "METRIC_AGGREGATION_UNSPECIFIED": 0,
    "TOTAL": 1,
    "COUNT": 4,
    "MINIMUM": 5,
    "MAXIMUM": 6,
}
GRANULARITIES = {"GRANULARITY_UNSPECIFIED": 0, "DAILY": 1, "WEEKLY": 2, "MONTHLY": 3}
FUNNEL_VISUALIZATION_TYPES = {
    "FUNNEL_VISUALIZATION_TYPE_UNSPECIFIED": 0,
    "STANDARD_FUNNEL": 1,
    "TRENDED_FUNNEL": 2,
}


def enum_value(raw: Any, values: Mapping[str, int], field: str) -> int:
    """An enum field as its number, whether it came as a number or as a name."""
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise invalid_argument(f"Invalid value at '{field}': {raw!r}")
    if isinstance(raw, int):
        if raw not in values.values():
            raise invalid_argument(f"Invalid value at '{field}' ({raw})")
        return raw
    if raw not in values:
        raise invalid_argument(f"Invalid value at '{field}', \"{raw}\"")
    return values[raw]


def int64(raw: Any, field: str, default: int = 0) -> int:
    """An int64 field: a JSON string of digits or a number."""
    if raw is None:
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lstrip("-").isdigit():
        return int(raw)
    raise invalid_argument(f"Invalid value at '{field}' (TYPE_INT64), \"{raw}\"")


def number(raw: Any, field: str) -> float:
    """A `NumericValue` message: `{"int64Value": "5"}` or `{"doubleValue": 2.5}`."""
    if not isinstance(raw, Mapping):
        raise invalid_argument(f"Invalid value at '{field}': a NumericValue is required")
    if "doubleValue" in raw:
        return float(raw["doubleValue"])
    return float(int64(raw.get("int64Value"), f"{field}.int64Value"))


def reject_unknown_fields(body: Mapping[str, Any], known: Sequence[str], where: str = "") -> None:
    """Protobuf's JSON parser refuses names it does not know; so does the API."""
    for name in body:
        if name not in known:
            target = f" at '{where}'" if where else ""
            message = f'Invalid JSON payload received. Unknown name "{name}"{target}: Cannot find field.'
            raise invalid_argument(message)


@dataclass(frozen=True)
class EnumEncoding:
    """How this response writes enums: numbers when the request asked for `enum-encoding=int`."""

    numeric: bool

    @classmethod
    def of_request(cls, query: Mapping[str, list[str]]) -> EnumEncoding:
        alt = ";".join(query.get("$alt", []) + query.get("alt", []))
        return cls(numeric="enum-encoding=int" in alt)

    def write(self, name: str, values: Mapping[str, int]) -> int | str:
        return values[name] if self.numeric else name
