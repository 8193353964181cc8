"""BigQuery column types as the JSON schema of a stream, and the values records carry for them.

| BigQuery            | JSON schema                                   | record value                       |
|---------------------|-----------------------------------------------|------------------------------------|
| INT64               | integer                                       | 42                                 |
| FLOAT64             | number                                        | 3.5 (NaN and infinities: null)     |
| NUMERIC, BIGNUMERIC | number                                        | 12345.000000001, every digit kept  |
| BOOL                | boolean                                       | true                               |
| STRING              | string                                        | "text"                             |
| BYTES               | string, base64                                | "AP9i"                             |
| DATE                | string, date                                  | "2026-01-31"                       |
| DATETIME            | string, timestamp_without_timezone            | "2026-01-31T23:59:59.999999"       |
| TIMESTAMP           | string, timestamp_with_timezone               | "2026-01-31T12:34:56.123456Z"      |
| TIME                | string, time_without_timezone                 | "23:59:59.999999"                  |
| GEOGRAPHY           | string (WKT)                                  | "POINT(-122.084 37.422)"           |
| JSON                | any JSON value                                | {"a": [1, 2]} (not a string)       |
| RECORD / STRUCT     | object with the fields' schemas               | {"city": "Lyon"}                   |
| REPEATED            | array of the element's schema                 | [1, 2, 3] ([] for none)            |
| RANGE<T>            | object {start, end} of T (null: unbounded)    | {"start": "2026-01-01", "end": null} |
| INTERVAL            | string (BigQuery's canonical text)            | "1-2 3 4:5:6"                      |

Only REQUIRED columns are declared non-null.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.cloud.bigquery import SchemaField

ANY_JSON = ["null", "object", "array", "string", "number", "integer", "boolean"]
# Types whose values order rows meaningfully: a user may pick such a top-level column as cursor.
CURSOR_TYPES = {"INTEGER", "INT64", "NUMERIC", "BIGNUMERIC", "STRING", "DATE", "DATETIME", "TIMESTAMP"}
# Legacy SQL names (the REST API's) and standard SQL names of the same types.
CANONICAL_TYPE = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "STRUCT": "RECORD"}

_SCALARS: dict[str, dict[str, Any]] = {
    "INT64": {"type": "integer"},
    "FLOAT64": {"type": "number"},
    "NUMERIC": {"type": "number"},
    "BIGNUMERIC": {"type": "number"},
    "BOOL": {"type": "boolean"},
    "STRING": {"type": "string"},
    "BYTES": {"type": "string", "contentEncoding": "base64"},
    "DATE": {"type": "string", "format": "date"},
    # No JSON Schema `format` for these two: its date-time and time formats require a zone offset.
    "DATETIME": {"type": "string", "airbyte_type": "timestamp_without_timezone"},
    "TIMESTAMP": {"type": "string", "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
    "TIME": {"type": "string", "airbyte_type": "time_without_timezone"},
    "GEOGRAPHY": {"type": "string", "description": "Well-known text (WKT)"},
    "INTERVAL": {"type": "string"},
}


def canonical_type(field: SchemaField) -> str:
    """The field's standard SQL type name (INT64, not INTEGER; RANGE, not RANGE<DATE>)."""
    kind = field.field_type.split("<", 1)[0]
    return CANONICAL_TYPE.get(kind, kind)


def stream_schema(fields: Sequence[SchemaField], description: str) -> dict[str, Any]:
    """The JSON schema of records made of these columns."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": description,
        "properties": {field.name: column_schema(field) for field in fields},
    }


def column_schema(field: SchemaField) -> dict[str, Any]:
    """One column's schema, its mode applied (REPEATED: an array; REQUIRED: not null)."""
    value = _value_schema(field)
    if field.mode == "REPEATED":
        return {"type": ["null", "array"], "items": value}
    if field.mode == "REQUIRED":
        return value
    return _nullable(value)


def is_cursor_candidate(field: SchemaField) -> bool:
    return field.mode != "REPEATED" and canonical_type(field) in CURSOR_TYPES


def _value_schema(field: SchemaField) -> dict[str, Any]:
    kind = canonical_type(field)
    if kind in _SCALARS:
        return dict(_SCALARS[kind])
    if kind == "JSON":
        return {"type": list(ANY_JSON)}
    if kind == "RECORD":
        properties = {child.name: column_schema(child) for child in field.fields}
        return {"type": "object", "properties": properties}
    if kind == "RANGE":
        element = _nullable(dict(_SCALARS[range_element_type(field)]))
        return {"type": "object", "properties": {"start": element, "end": element}}
    return {"type": list(ANY_JSON)}  # a type newer than this connector: its values as JSON


def range_element_type(field: SchemaField) -> str:
    """The type of a RANGE's bounds: from `rangeElementType`, or from a type spelt `RANGE<DATE>`."""
    if field.range_element_type is not None:
        element = str(field.range_element_type.element_type)  # the client types it Any
    else:
        element = field.field_type.removeprefix("RANGE<").removesuffix(">")
    return CANONICAL_TYPE.get(element, element)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema["type"]
    kinds = kind if isinstance(kind, list) else [kind]
    return {**schema, "type": ["null", *[k for k in kinds if k != "null"]]}
